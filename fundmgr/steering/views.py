"""Pages of the Steering Committee: reviews, ranking, portfolio, pipeline, criteria."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import Role, User
from fundmgr.charts import share_chart
from fundmgr.choices import options
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance.queries import money_available
from fundmgr.funds.models import Fund, ThematicArea
from fundmgr.funds.queries import area_choices, current_fund
from fundmgr.funds.rights import COMMITTEE_ROLES, FUND_MANAGERS, is_fund_manager, is_sc_member, works_with_committee
from fundmgr.lists import Column, Filter, ListExport, Listing, ListSpec, is_db_int, scalar
from fundmgr.proposals.models import Proposal, ProposalState, ProposalVersion
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering import ranked
from fundmgr.steering.facts import key_facts
from fundmgr.steering.forms import (
    ActionForm,
    AssignForm,
    ConflictForm,
    CriteriaForm,
    WaiverForm,
    review_form,
)
from fundmgr.steering.models import (
    Assignment,
    Conflict,
    Decision,
    Recommendation,
    Review,
    recused_proposal_ids,
    standing,
    standings,
)
from fundmgr.steering.portfolio import build_portfolio, fundability_in_order, pipeline_listing
from fundmgr.steering.summaries import latest_version_id
from fundmgr.web import FundView, db_int, form_problems, in_fund, refusals_shown_on


class SteeringView(FundView):
    """Base of the steering pages: the current fund, and the roles that work with the Steering Committee."""

    roles = COMMITTEE_ROLES

    def load_fund(self) -> None:
        self.fund = current_fund()
        if self.fund is None:
            abort(404)

    def load(self, **_view_args: Any) -> None:
        self.load_fund()

    def render(self, template: str, **context: Any) -> Any:
        return render_template(f"steering/{template}", fund=self.fund, **context)


class ProposalView(SteeringView):
    """A steering page about one proposal: 404 for those who may not know it; 403 for those who may
    see it but have no part in the Steering Committee's work (its agencies, viewers)."""

    roles = None

    def load(self, proposal_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.proposal = in_fund(db.session.get(Proposal, proposal_id), self.fund)
        if not self.proposal.can_view(current_user):
            abort(404)

    def can_access(self, user: User) -> bool:
        """The FMU, administrators and SC members take part in the Steering Committee's work."""
        return works_with_committee(user, self.fund)

    @property
    def recused(self) -> bool:
        return self.proposal.is_recused(current_user)


# --- Reviews -------------------------------------------------------------------------------------


def scoring_deadline() -> tuple[Any, ...]:
    """The latest due date of the latest version's assignments (what the page shows), in SQL."""
    return (sa.select(sa.func.max(Assignment.due_on)).where(Assignment.version_id == latest_version_id())
            .scalar_subquery(),)  # fmt: skip


def unless_recused(value: Any) -> Any:
    """A cell the page hides from a member recused from the proposal: the export leaves it blank for them too."""
    return lambda p: "" if p.is_recused(current_user) else value(p)


def deadline_of(p: Proposal) -> Any:
    version = p.latest_version
    return q.scoring_deadlines([version.id]).get(version.id) if version else None


# Proposals in the Steering Committee's review, by reference.
REVIEWS = ListSpec(
    name="reviews",
    columns=(
        Column("proposal", _l("Proposal"), (Proposal.reference,), lambda p: p.reference),
        Column("title", _l("Title"), (Proposal.title,), lambda p: p.title, shown=False),
        Column("area", _l("Thematic area"), scalar(ThematicArea.number, ThematicArea.id, Proposal.primary_area_id),
               unless_recused(lambda p: p.primary_area.label if p.primary_area else "")),
        Column("version", _l("Version"), lambda: (sa.select(sa.func.max(ProposalVersion.number)).where(
            ProposalVersion.proposal_id == Proposal.id).scalar_subquery(),),
            unless_recused(lambda p: p.latest_version.number if p.latest_version else "")),
        Column("deadline", _l("Scoring deadline"), scoring_deadline, unless_recused(deadline_of)),
        Column("reviews", _l("Reviews"), exported=False),
    ),
    default_sort="proposal",
    tiebreak=(Proposal.id,),
    search=(Proposal.reference, Proposal.title),
    search_label=_l("Words in the title or reference"),
    filters=(
        Filter("area", _l("Thematic area"), lambda qy, v, _f: qy.where(Proposal.primary_area_id == db_int(v)),
               area_choices, valid=is_db_int),
    ),
)  # fmt: skip


class ReviewListView(SteeringView):
    """Proposals in review: an SC member's own assignments and deadlines; the FMU's progress per proposal (the
    list component)."""

    export_title = _l("Reviews")

    def listing(self) -> Listing:
        query = (
            sa.select(Proposal)
            .where(Proposal.fund_id == self.fund.id, Proposal.state == ProposalState.in_review)
            .options(*q.proposal_loading())
        )
        return REVIEWS.listing(query, self.fund)

    def export_name(self) -> str:
        return f"reviews-{self.fund.code.lower()}"

    def process(self):
        listing = self.listing()
        proposals = list(listing.page.items)
        versions = [p.latest_version.id for p in proposals if p.latest_version]
        return self.render(
            "index.html",
            listing=listing,
            proposals=proposals,
            deadlines=q.scoring_deadlines(versions),
            progress=review_progress(versions),
            mine=own_rows(Review, current_user, self.fund, versions),
            assigned=own_rows(Assignment, current_user, self.fund, versions),
            recused=recused_proposal_ids(current_user, proposals),
        )


class ReviewListExportView(ListExport, ReviewListView):
    """The filtered, sorted proposals in review as CSV or Excel (blank where a member is recused)."""


def review_progress(version_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(submitted reviews, assigned members) per version, in two grouped queries."""
    if not version_ids:
        return {}
    assigned = dict(
        db.session.execute(
            sa.select(Assignment.version_id, sa.func.count(Assignment.id))
            .where(Assignment.version_id.in_(version_ids))
            .group_by(Assignment.version_id)
        ).all()
    )
    submitted = dict(
        db.session.execute(
            sa.select(Review.version_id, sa.func.count(Review.id))
            .where(Review.version_id.in_(version_ids), Review.submitted_at.is_not(None))
            .group_by(Review.version_id)
        ).all()
    )
    return {v: (submitted.get(v, 0), assigned.get(v, 0)) for v in version_ids}


def own_rows(model: type[Assignment] | type[Review], user: Any, fund: Fund, version_ids: list[int]) -> dict[int, Any]:
    """An SC member's assignments or reviews of the given versions, by version."""
    if not version_ids or not is_sc_member(user, fund):
        return {}
    rows = db.session.scalars(
        sa.select(model).where(model.member_id == user.id, model.version_id.in_(version_ids))
    ).unique()
    return {row.version_id: row for row in rows}


class ProposalReviewView(ProposalView):
    """One proposal before the Steering Committee: assignments, conflicts, the scores once visible.

    A recused member sees the title and the fact of their recusal, nothing else.
    """

    def process(self):
        proposal, user = self.proposal, current_user
        if self.recused:
            return self.render("recused.html", proposal=proposal, conflict=own_conflict(proposal, user))
        version = proposal.latest_version
        context: dict[str, Any] = {
            "proposal": proposal,
            "version": version,
            "facts": key_facts(proposal.fund, version) if version else None,
            "deadline": q.scoring_deadlines([version.id]).get(version.id) if version else None,
            "assignment": q.assignment_of(version.id, user) if version else None,
            "review": q.review_of(version.id, user) if version else None,
            "conflict_form": ConflictForm(),
            "decisions": decisions_on(proposal),
            "procedure": ops.open_procedure_on(proposal),
        }
        if q.can_see_scores(user, proposal):
            score = q.score_proposals(proposal.fund, [proposal]).get(proposal.id)
            if score is not None and proposal.state in q.PIPELINE_STATES:
                score = ranked.place_in_ranking(user, proposal.fund, score)
            context |= {"score": score, "reviews": q.reviews_for_display(proposal)}
        if is_fund_manager(user, proposal.fund):
            context |= fmu_context(proposal, version)
        return self.render("proposal.html", **context)


def own_conflict(proposal: Proposal, user: Any) -> Conflict | None:
    return db.session.scalar(
        sa.select(Conflict).where(Conflict.proposal_id == proposal.id, Conflict.member_id == user.id)
    )


def decisions_on(proposal: Proposal) -> list[Decision]:
    return list(
        db.session.scalars(
            sa.select(Decision).where(Decision.proposal_id == proposal.id).order_by(Decision.recorded_at)
        )
    )


def fmu_context(proposal: Proposal, version: Any) -> dict[str, Any]:
    """What the FMU needs on a proposal's review page: the assignment form, review status, conflicts."""
    members = q.sc_members(proposal.fund)
    assignments = q.assignments_of(version.id) if version else []
    assigned_ids = [a.member_id for a in assignments]
    said = standings(proposal, members)
    form = AssignForm(members=assigned_ids or [m.id for m in members if said[m.id].scores])
    form.members.choices = options([(m.id, m.name) for m in members])
    if assignments:
        form.due_on.data = max(a.due_on for a in assignments)
    reviews = {} if version is None else {r.member_id: r for r in db.session.scalars(
        sa.select(Review).where(Review.version_id == version.id)).unique()}  # fmt: skip
    return {
        "assign_form": form,
        "members": members,
        "recused_ids": {m.id for m in members if not said[m.id].scores},  # may not be assigned
        "assignments": assignments,
        "member_reviews": reviews,
        "conflicts": q.conflicts_on(proposal),
        "waiver_form": WaiverForm(),
    }


class AssignView(ProposalView):
    """The FMU assigns the proposal's current version to SC members with a scoring deadline."""

    methods = ["POST"]

    def can_access(self, user: User) -> bool:
        """The FMU (and administrators) assign reviewers."""
        return is_fund_manager(user, self.fund)

    def process(self):
        form = AssignForm()
        members = q.sc_members(self.fund)
        form.members.choices = options([(m.id, m.name) for m in members])
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        chosen = [m for m in members if m.id in set(form.members.data or [])]
        ops.assign_reviewers(self.proposal, chosen, form.due_on.data, actor=current_user)
        flash(_("The assignments are saved."), "success")
        return redirect(url_for("steering.proposal", proposal_id=self.proposal.id))


class DeclareConflictView(ProposalView):
    """An SC member declares a conflict of interest on the proposal and is recused from then on."""

    methods = ["POST"]

    def can_access(self, user: User) -> bool:
        """SC members declare their own conflicts."""
        return is_sc_member(user, self.fund)

    def process(self):
        form = ConflictForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        ops.declare_conflict(self.proposal, current_user, form.reason.data, actor=current_user)
        flash(_("Your conflict of interest is recorded; you are recused from this proposal."), "info")
        return redirect(url_for("steering.proposal", proposal_id=self.proposal.id))


class WaiveConflictView(SteeringView):
    """The FMU waives a declared conflict, with a reason kept in the audit log."""

    methods = ["POST"]
    roles = FUND_MANAGERS

    def load(self, conflict_id: int) -> None:
        self.load_fund()
        conflict = db.session.get(Conflict, conflict_id) or abort(404)
        self.conflict = in_fund(conflict, self.fund, conflict.proposal.fund_id)

    def process(self):
        form = WaiverForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        ops.waive_conflict(self.conflict, form.reason.data, actor=current_user)
        flash(_("The conflict is waived; the member takes part again."), "success")
        return redirect(url_for("steering.proposal", proposal_id=self.conflict.proposal_id))


class ReviewFormView(ProposalView):
    """An SC member scores the proposal's current version: save a draft, come back, submit."""

    methods = ["GET", "POST"]

    def can_access(self, user: User) -> bool:
        """SC members who may score the proposal (`Standing.scores`) score it."""
        return is_sc_member(user, self.fund) and standing(self.proposal, user).scores

    def process(self):
        proposal, user = self.proposal, current_user
        version = proposal.latest_version
        if version is None:
            abort(404)
        criteria = q.active_criteria(proposal.fund)
        review = q.review_of(version.id, user)
        assignment = q.assignment_of(version.id, user)
        refusals = ops.scoring_problems(proposal, user, assignment)
        editable = not refusals and not (review and review.is_submitted)
        form = review_form(criteria, **initial_review_data(review, criteria)) if request.method == "GET" else (
            review_form(criteria, formdata=request.form))  # fmt: skip
        if request.method == "POST" and editable and form.validate_on_submit():
            submit = bool(form.submit.data)
            with refusals_shown_on(form):
                ops.save_review(proposal, user, review_input(form, criteria), actor=user, submit=submit,
                                no_conflict=bool(form.no_conflict.data))  # fmt: skip
                flash(_("Your review is submitted.") if submit else _("Your draft is saved."), "success")
                target = "steering.proposal" if submit else "steering.review"
                return redirect(url_for(target, proposal_id=proposal.id))
        return self.render(
            "review_form.html",
            proposal=proposal,
            version=version,
            facts=key_facts(proposal.fund, version),
            criteria=criteria,
            form=form,
            review=review,
            assignment=assignment,
            editable=editable,
            refusals=refusals,
        )


def initial_review_data(review: Review | None, criteria: list[Any]) -> dict[str, Any]:
    if review is None:
        return {}
    data: dict[str, Any] = {
        "recommendation": review.recommendation.value if review.recommendation else None,
        "comment": review.comment,
    }
    for criterion in criteria:
        score = review.score_for(criterion.id)
        if score is not None:
            data[f"score_{criterion.id}"] = str(score.value) if score.value is not None else None
            data[f"comment_{criterion.id}"] = score.comment
    return data


def review_input(form: Any, criteria: list[Any]) -> ops.ReviewInput:
    scores = {}
    for criterion in criteria:
        raw = getattr(form, f"score_{criterion.id}").data
        comment = getattr(form, f"comment_{criterion.id}").data or ""
        scores[criterion.id] = (int(raw) if raw not in (None, "", "None") else None, comment)
    recommendation = Recommendation(form.recommendation.data) if form.recommendation.data else None
    return ops.ReviewInput(scores=scores, recommendation=recommendation, comment=form.comment.data or "")


# --- Ranking, portfolio, pipeline --------------------------------------------------------------


class PortfolioView(SteeringView):
    """What funding the top-ranked proposals within the available balance would do to the fund's balance
    of areas, regions and the gender target; anyone here may try another selection (nothing is written)."""

    def process(self):
        chosen = None
        if request.args.get("try"):
            chosen = set(request.args.getlist("select", type=db_int))
        portfolio = build_portfolio(current_user, self.fund, chosen, request.args)
        return self.render("portfolio.html", portfolio=portfolio, charts=portfolio_charts(portfolio))


def portfolio_charts(portfolio: Any) -> dict[str, str]:
    """Shares after the selection next to the targets, per thematic area and per region."""
    return {
        name: share_chart(title, {s.label: s.after_share or 0 for s in rows}, {s.label: s.target for s in rows})
        for name, title, rows in (
            ("areas", _("Thematic areas with the selection"), portfolio.areas),
            ("regions", _("Regions with the selection"), portfolio.regions),
        )
    }


class PipelineView(SteeringView):
    """Endorsed proposals in ranking order, their funding gap, and which the current balance could fund: one page of
    them, the fundability and the total over all of them."""

    roles = (Role.fmu, Role.admin, Role.sc_member, Role.viewer)

    def process(self):
        available = money_available(self.fund)
        endorsed = [ProposalState.endorsed]
        _table, query = ranked.in_ranking_order(current_user, self.fund, endorsed)
        rows = ranked.rows_in_order(query)  # the ranking computed once, read as plain rows
        fundability = fundability_in_order(self.fund, [row.id for row in rows], available)
        listing = pipeline_listing(self.fund, "pipeline", query, rows, fundability, request.args)
        return self.render(
            "pipeline.html",
            listing=listing,
            candidates=listing.page.items,
            recused=ranked.unranked(current_user, self.fund, endorsed).recused,
            available=available.available,
            total_gap=sum((gap for gap, _fits in fundability.values()), Decimal("0.00")),
            show_scores=works_with_committee(current_user, self.fund),
        )


# --- Criteria ------------------------------------------------------------------------------------


class CriteriaView(SteeringView):
    """The FMU edits the fund's scoring criteria (texts in three languages, weight, scale) in one form."""

    methods = ["GET", "POST"]
    roles = FUND_MANAGERS

    def process(self):
        criteria = sorted(self.fund.criteria, key=lambda c: c.number)
        form = CriteriaForm()
        if request.method == "GET":
            for criterion in criteria:
                form.rows.append_entry()
                form.rows[-1].form.fill(criterion)
        elif form.validate_on_submit():
            with refusals_shown_on(form):
                ops.update_criteria(self.fund, criterion_rows(form, criteria), actor=current_user)
                flash(_("The scoring criteria are saved."), "success")
                return redirect(url_for("steering.criteria"))
        return self.render("criteria.html", form=form)


def criterion_rows(form: CriteriaForm, criteria: list[Any]) -> list[ops.CriterionData]:
    by_id = {str(c.id): c for c in criteria}
    rows = []
    for entry in form.rows:
        row = entry.form
        criterion = by_id.get(row.criterion_id.data)
        if criterion is None:
            continue
        rows.append(row_data(row, criterion))
    new = form.new.form
    if (new.code.data or "").strip() or (new.name_en.data or "").strip():
        rows.append(row_data(new, None))
    return rows


def row_data(row: Any, criterion: Any) -> ops.CriterionData:
    return ops.CriterionData(
        criterion=criterion,
        code=(row.code.data or "").strip(),
        name=row.texts("name"),
        guidance=row.texts("guidance"),
        weight=row.weight.data,
        scale_min=row.scale_min.data,
        scale_max=row.scale_max.data,
        retired=bool(row.retired.data),
    )


class ActionView(SteeringView):
    """Base of POST-only buttons: the CSRF token is checked, the operation runs, back to a page."""

    methods = ["POST"]

    def process(self):
        form = ActionForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form) or [_("The form expired; please try again.")])
        if (question := self.question()) and (page := unconfirmed(*question, back=self.back().location)):
            return page
        return self.act()

    def question(self) -> tuple[str, str] | None:
        """A final action asks first: (question, what will happen); None acts at once."""
        return None

    def act(self) -> Any:
        raise NotImplementedError
