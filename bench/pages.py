"""The pages the benchmark measures, and the objects of the generated fund they show."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from bench.dataset import EMAIL_DOMAIN
from fundmgr.db import db
from fundmgr.funds.models import ThematicArea
from fundmgr.proposals.models import Participant, Proposal, ProposalState
from fundmgr.results.models import Programme
from fundmgr.steering.models import AgendaItem, Meeting, MeetingState

FMU = f"fmu1@{EMAIL_DOMAIN}"
PUBLIC = "public"  # a page anyone may read: requested with no session
API = f"api:{FMU}"  # the API, requested with the FMU's personal token instead of a session
LAYOUT_FLOOR_PATH = "/bench/layout"  # the layout floor, served by the benchmark's app only (bench.floor)
LIST_AREA = "TA2"  # the thematic area with the most proposals (its target share is the largest)


def member_email(n: int) -> str:
    return f"member{n:02d}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    path: str
    user: str  # whose session requests it (an e-mail), the FMU's token (API) or nobody (PUBLIC)
    headers: tuple[tuple[str, str], ...] = ()  # what else the client sends, as the page's real readers do


@dataclass(frozen=True)
class Targets:
    """The objects the measured pages show, found in the generated fund."""

    meeting_id: int
    item_ids: list[int]
    decision_rule: str  # the fund's: members state positions (consensus) or vote (majority) on the items
    proposal_id: int
    programme_id: int
    list_total: int
    deep_page: int
    fund_code: str


def find_targets() -> Targets:
    """The live meeting and its items, a running programme with three organizations, the list's last page."""
    meeting = db.session.scalar(
        sa.select(Meeting).where(Meeting.state == MeetingState.in_progress).order_by(Meeting.id)
    )
    items = list(
        db.session.scalars(
            sa.select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
        )
    )
    three = sa.select(Participant.proposal_id).group_by(Participant.proposal_id).having(sa.func.count() == 3)
    proposal_id = db.session.scalar(
        sa.select(Proposal.id)
        .where(Proposal.state == ProposalState.active, Proposal.id.in_(three))
        .order_by(Proposal.reference)
        .limit(1)
    )
    programme_id = db.session.scalar(sa.select(Programme.id).where(Programme.proposal_id == proposal_id))
    total = db.session.scalar(
        sa.select(sa.func.count(Proposal.id))
        .join(ThematicArea, ThematicArea.id == Proposal.primary_area_id)
        .where(ThematicArea.code == LIST_AREA)
    )
    deep = max(1, math.ceil(total / current_app.config["PAGE_SIZE"]))
    return Targets(
        meeting.id, items, meeting.fund.decision_rule, proposal_id, programme_id, total, deep, meeting.fund.code
    )


def api_secret(email: str) -> str:
    """A read-only personal API token of this person, made as they would make it (the shortest lifetime)."""
    from fundmgr.accounts.models import TokenScope, User
    from fundmgr.accounts.operations import TOKEN_LIFETIMES, create_api_token

    user = db.session.scalar(sa.select(User).where(User.email == email))
    lifetime = min(TOKEN_LIFETIMES)
    _token, secret = create_api_token(user, name="benchmark", scope=TokenScope.read, days=lifetime, actor=user)
    db.session.commit()
    return secret


def measured_pages(t: Targets) -> list[Page]:
    """Every page of the benchmark, the two floors first; the board is polled by a member, the API is read with the
    FMU's token, the public pages (fund page, pipeline, IATI file) by nobody signed in, the rest by the FMU."""
    api = f"/api/v1/funds/{t.fund_code}"
    return [
        Page("floor", "Floor: /health (same app, same server)", "/health", FMU),
        Page("layout", "Floor: signed-in page, layout only", LAYOUT_FLOOR_PATH, FMU),
        Page("dashboard", "Finance dashboard", "/finance/", FMU),
        Page("list", f"Proposals filtered (area {LIST_AREA}), page 1", f"/proposals/?area={LIST_AREA}", FMU),
        Page(
            "list_deep",
            f"Proposals filtered, page {t.deep_page} (last)",
            f"/proposals/?area={LIST_AREA}&page={t.deep_page}",
            FMU,
        ),
        Page("detail", "Proposal detail", f"/proposals/{t.proposal_id}", FMU),
        Page("ranking", "Ranking", "/steering/ranking", FMU),
        Page("portfolio", "Portfolio view", "/steering/portfolio", FMU),
        Page(
            "board", "Meeting board poll (board.json)", f"/steering/meetings/{t.meeting_id}/board.json", member_email(2)
        ),
        Page("programmes", "Results: programmes", "/results/", FMU),
        Page("programme", "Results: one programme", f"/results/programmes/{t.programme_id}", FMU),
        Page("framework", "Results: framework roll-ups", "/results/framework", FMU),
        Page("annual", "Results: annual report page", "/results/annual", FMU),
        Page("reports", "Results: reports to review and overdue", "/results/reports", FMU),
        Page("public", "Public fund page (no sign-in)", f"/public/{t.fund_code}", PUBLIC),
        Page("pipeline", "Pipeline (FMU)", "/steering/pipeline", FMU),
        Page("public_pipeline", "Public pipeline (no sign-in)", f"/public/{t.fund_code}/pipeline", PUBLIC),
        # the file a crawler fetches (accepting gzip, as crawlers do): the last one the IATI job built
        Page(
            "iati",
            "IATI export: the fund's activities (XML, gzip)",
            f"/iati/{t.fund_code}/activities.xml",
            PUBLIC,
            (("Accept-Encoding", "gzip"),),
        ),
        Page("api_proposals", "API: proposals, first page", f"{api}/proposals", API),
        Page("api_programmes", "API: programmes, first page", f"{api}/programmes", API),
        Page("api_transfers", "API: transfers, first page", f"{api}/transfers", API),
        Page("api_status", "API: funding-status table", f"{api}/funding-status", API),
    ]
