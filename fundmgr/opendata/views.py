"""Public open data (no sign-in): the IATI activity file and each fund's public page; the FMU's dossier."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.funds import rights
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import all_funds, current_fund
from fundmgr.opendata import dossier, iati
from fundmgr.opendata.public import public_fund
from fundmgr.proposals.models import Proposal
from fundmgr.web import FundView, in_fund

# Published answers may be kept a few minutes. The IATI file is the same for everyone: shared caches may keep it.
# The page varies by language (the session's or the browser's) and carries the session's CSRF token in its
# language form, so only the visitor's own browser keeps it, and not at all once someone is signed in (the menu).
PUBLIC_MAX_AGE = 300


def cached(response: Response, *, shared: bool) -> Response:
    """The answer with how long it may be kept, and by whom."""
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, max-age=0"
    else:
        response.headers["Cache-Control"] = f"{'public' if shared else 'private'}, max-age={PUBLIC_MAX_AGE}"
    response.vary.update({"Cookie", "Accept-Language"})
    return response


def fund_by_code(code: str) -> Fund:
    fund = db.session.scalar(sa.select(Fund).where(Fund.code == code))
    if fund is None:
        abort(404)
    return fund


class PublicView(FundView):
    """A page anyone may read, signed in or not, whatever their roles."""

    login_required = False
    fund_scoped = False  # public: no role on the fund is needed


class ActivitiesView(PublicView):
    """Every published fund and its funded programmes as IATI 2.03 activities (XML)."""

    def process(self) -> ResponseReturnValue:
        return cached(Response(iati.activities_document(all_funds()), mimetype="application/xml"), shared=True)


class FundActivitiesView(PublicView):
    """One fund's IATI 2.03 activities (404 when the fund does not publish to IATI)."""

    def load(self, fund_code: str) -> None:
        self.fund = fund_by_code(fund_code)
        if not iati.publishes(self.fund):
            abort(404)

    def process(self) -> ResponseReturnValue:
        return cached(Response(iati.activities_document([self.fund]), mimetype="application/xml"), shared=True)


class FundPageView(PublicView):
    """The fund's public factsheet: funding status, donors, programmes and delivery, countries, pipeline."""

    def load(self, fund_code: str) -> None:
        self.fund = fund_by_code(fund_code)

    def process(self) -> ResponseReturnValue:
        page = public_fund(self.fund)
        published = iati.publishes(self.fund)
        return cached(
            Response(
                render_template(
                    "opendata/fund_page.html",
                    page=page,
                    publishes_iati=published,
                    areas={area.code: area for area in self.fund.thematic_areas},
                )
            ),
            shared=False,
        )


class DossierView(FundView):
    """A funded programme's whole file as one zip (FMU and administrators)."""

    def load(self, proposal_id: int) -> None:
        self.proposal = in_fund(db.session.get(Proposal, proposal_id), current_fund())
        if not self.proposal.is_funded or not self.proposal.can_view(current_user):
            abort(404)

    def can_access(self, user: User) -> bool:
        """Only the fund's managers (FMU, administrators) take a programme's whole file away."""
        return rights.is_fund_manager(user, self.proposal.fund)

    def process(self) -> ResponseReturnValue:
        return dossier.dossier_response(self.proposal)
