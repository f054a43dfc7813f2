"""Pages of funded programmes: the list, one programme, and the links of its indicators."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr import clock
from fundmgr.accounts.models import Organization
from fundmgr.funds.queries import active, area_choices, current_fund
from fundmgr.funds.rights import is_sc_member
from fundmgr.lists import Column, Filter, ListSpec, is_db_int
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalState
from fundmgr.proposals.queries import state_order
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results.models import Measure, Programme
from fundmgr.results.views.base import ResultsView
from fundmgr.web import db_int, in_fund, refusals_shown_on


def funded_state_choices(_fund: Any) -> list[tuple[str, str]]:
    return [(s.value, s.title) for s in sorted(FUNDED_STATES, key=lambda s: s.value)]


# The funded programmes: by reference; the page adds each one's latest period and progress.
PROGRAMMES = ListSpec(
    name="programmes",
    columns=(
        Column("reference", _l("Reference"), (Proposal.reference,), lambda p: p.proposal.reference, shown=False),
        Column("programme", _l("Programme"), (Proposal.title,), lambda p: p.proposal.title),
        Column("lead", _l("Lead"), lambda: (sa.select(Organization.code).where(
            Organization.id == Proposal.lead_organization_id).scalar_subquery(),),
            lambda p: p.proposal.lead_organization.label if p.proposal.lead_organization else ""),
        Column("state", _l("State"), state_order, lambda p: p.proposal.state.title),
        Column("period", _l("Latest period"), exported=False),
        Column("progress", _l("Progress"), exported=False, css="w-25"),
        Column("start", _l("Start"), (Programme.start_date,), lambda p: p.start_date, shown=False),
        Column("end", _l("End"), (Programme.end_date,), lambda p: p.end_date, shown=False),
    ),
    default_sort="reference",
    tiebreak=(Programme.id,),
    search=(Proposal.title, Proposal.reference),
    search_label=_l("Words in the title or reference"),
    filters=(
        Filter("area", _l("Thematic area"), lambda q, v, _f: q.where(Proposal.primary_area_id == db_int(v)),
               area_choices, valid=is_db_int),
        Filter("state", _l("State"), lambda q, v, _f: q.where(Proposal.state == ProposalState(v)),
               funded_state_choices, valid=lambda v: v in {s.value for s in FUNDED_STATES}),
    ),
)  # fmt: skip


class ProgrammesView(ResultsView):
    """Funded programmes the user may see, with their reporting status and progress (the list component)."""

    def process(self):
        listing = PROGRAMMES.listing(q.with_reporting(q.programmes_query(self.fund, current_user)), self.fund)
        page = listing.page
        day = clock.today(self.fund)
        progress = {p.id: programme_share(p, q.standing_progress(p)) for p in page.items}
        return self.render("programmes.html", listing=listing, progress=progress, today=day)


class ProgrammesExportView(ResultsView):
    """The filtered, sorted programmes as CSV or Excel: the same query as the page, without its pages."""

    def load(self, fmt: str, **view_args: Any) -> None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        self.fmt = fmt
        super().load(**view_args)

    def process(self):
        listing = PROGRAMMES.listing(q.with_reporting(q.programmes_query(self.fund, current_user)), self.fund)
        return listing.download(self.fmt, f"programmes-{self.fund.code.lower()}", _("Programmes"))


def programme_share(programme, items: dict[int, q.IndicatorProgress]) -> Any:
    """A programme's overall progress: the mean of its outcomes' progress (from its indicators' progress)."""
    grouped = q.by_outcome(programme)
    return q.mean(q.outcome_progress(items[i.id] for i in grouped[o.id]) for o in programme.outcomes)


class ProgrammeBase(ResultsView):
    """Base of a programme's pages: 404 for a programme the user may not know about."""

    def load(self, programme_id: int, **view_args: Any) -> None:
        self.programme = q.load_programme(programme_id)
        if self.programme is None or not self.programme.can_view(current_user):
            abort(404)
        in_fund(self.programme, current_fund(), self.programme.proposal.fund_id)
        self.fund = self.programme.proposal.fund
        self.framework = q.framework_for(self.fund)


class ProgrammeView(ProgrammeBase):
    """A programme's live matrix with its latest accepted figures, and its reporting periods."""

    def process(self):
        day = clock.today(self.fund)
        readings = q.latest_accepted([i.id for i in self.programme.indicators], day)
        items = q.programme_progress(self.programme, readings)
        return self.render(
            "programme.html",
            programme=self.programme,
            items=items,
            outcome_progress={
                o.id: q.outcome_progress(items[i.id] for i in o.indicators) for o in self.programme.outcomes
            },
            today=day,
            extensions=q.extensions_of(self.programme)
            if self.programme.can_see_unpublished(current_user) or is_sc_member(current_user, self.fund)
            else [],
        )


class LinksView(ProgrammeBase):
    """The FMU links programme indicators to the fund's indicators and to its objectives."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        fund_indicators = [i for i in (self.framework.indicators if self.framework else []) if not i.retired]
        objectives = active(self.fund.objectives)
        form = rf.links_form_class(self.programme, fund_indicators, objectives)()
        if request.method == "GET":
            for indicator in self.programme.indicators:
                form[f"fund-{indicator.id}"].data = str(indicator.fund_indicator_id or "")
                form[f"objectives-{indicator.id}"].data = [str(o.id) for o in indicator.objectives]
                form[f"measure-{indicator.id}"].data = indicator.measure.value
        elif form.validate_on_submit():
            by_id = {str(i.id): i for i in fund_indicators}
            objectives_by_id = {str(o.id): o for o in objectives}
            links = [
                ops.IndicatorLink(
                    indicator=indicator,
                    fund_indicator=by_id.get(form[f"fund-{indicator.id}"].data or ""),
                    objectives=[objectives_by_id[o] for o in form[f"objectives-{indicator.id}"].data or []],
                    measure=Measure(form[f"measure-{indicator.id}"].data),
                )
                for indicator in self.programme.indicators
            ]
            with refusals_shown_on(form):
                ops.set_indicator_links(self.programme, links, actor=current_user)
                flash(_("The links have been saved."), "success")
                return redirect(url_for("results.programme", programme_id=self.programme.id))
        return self.render("links.html", programme=self.programme, form=form)
