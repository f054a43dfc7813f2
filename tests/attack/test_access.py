"""Access attacks over real HTTP against the production server: guessing the ids of another organization's
objects, and forms sent from another site (no CSRF token, or another session's)."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering.models import Meeting
from tests.attack.conftest import ATTACK_MARKS, FMU, Target

pytestmark = ATTACK_MARKS
IOM_AGENCY = "nadia.rahman@fundmgr.example"


def another_organizations_draft(target: Target) -> tuple[int, str]:
    """A draft, and an agency's staff member who may not know about it: their organization takes no part in it."""

    def find() -> tuple[int, str]:
        draft = db.session.scalar(sa.select(Proposal).where(Proposal.state == ProposalState.draft).limit(1))
        outsider = db.session.scalar(
            sa.select(User)
            .where(User.role == Role.agency)
            .where(User.organization_id.not_in([p.organization_id for p in draft.participants]))
            .order_by(User.email)
            .limit(1)
        )
        return draft.id, outsider.email

    return target.setup(find)


def main_content(html: str) -> str:
    """What a page says in its <main> (the rest is the layout, whose links carry the page's own address)."""
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_guessing_the_id_of_another_organizations_proposal_finds_nothing(target):
    """Every page and act on another organization's draft answers 404, as for an id that does not exist."""
    proposal_id, email = another_organizations_draft(target)
    outsider = target.browser(email)
    outsider.get("/")  # shows (and so clears) the sign-in's message
    missing = outsider.get("/proposals/2147483000")
    assert missing.status == 404
    for path in ("", "/details", "/budget", "/matrix", "/attachments", "/organizations", "/compare"):
        answer = outsider.get(f"/proposals/{proposal_id}{path}")
        assert answer.status == 404, path
        # nothing tells "exists, not yours" from "does not exist"
        assert main_content(answer.text) == main_content(missing.text), path
    token = outsider.form_token("/proposals/")
    for act, fields in (("/submit", {}), ("/withdraw", {"reason": "Taken over."}), ("/details", {"title": "Mine"})):
        assert outsider.post(f"/proposals/{proposal_id}{act}", {"csrf_token": token, **fields}).status == 404, act
    assert target.count(sa.select(Proposal.state).where(Proposal.id == proposal_id)) is ProposalState.draft


def test_a_form_sent_from_another_site_is_refused_and_writes_nothing(target):
    """A page elsewhere makes the FMU's browser post a meeting: without this session's CSRF token it is refused,
    whether the token is missing or is the attacker's own (another session's)."""
    meetings = target.count(sa.select(sa.func.count()).select_from(Meeting))
    fmu = target.browser(FMU)
    attacker = target.browser(IOM_AGENCY)
    form = {"title": "Forged meeting", "held_on": clock.today().isoformat(), "mode": "virtual", "language": "en"}
    assert fmu.post("/steering/meetings/new", form).status == 400
    their_token = attacker.form_token("/proposals/")
    assert fmu.post("/steering/meetings/new", {"csrf_token": their_token, **form}).status == 400
    assert target.count(sa.select(sa.func.count()).select_from(Meeting)) == meetings
    # the same form with the FMU's own token goes through: the refusals above were the token's
    assert fmu.submit("/steering/meetings/new", "/steering/meetings/new", form).status == 302
    assert target.count(sa.select(sa.func.count()).select_from(Meeting)) == meetings + 1
