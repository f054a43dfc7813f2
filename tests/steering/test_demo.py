"""The demo: the Steering Committee's history brings each demo proposal to its status, once."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from io import BytesIO
from itertools import pairwise

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.demo.cli import account_table
from fundmgr.demo.seed import SeedReport, seed_demo
from fundmgr.finance.models import EntryKind, LedgerEntry
from fundmgr.finance.queries import balances
from fundmgr.funds.seats import chair_term
from fundmgr.proposals.models import Proposal, ProposalStage, ProposalState
from fundmgr.scenario import demo_data
from fundmgr.steering.demo import CONDITIONS, UPCOMING_TITLE, seed_steering
from fundmgr.steering.documents import meeting_pack_pdf, minutes_data
from fundmgr.steering.models import (
    Decision,
    DecisionRecord,
    DecisionSubject,
    Meeting,
    MeetingState,
    MinutesState,
    PortfolioRun,
    Position,
    Vote,
    WrittenProcedureState,
)
from fundmgr.storage import read_stored


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


LATER = {"endorsed", "approved", "active", "closed", "deferred", "rejected"}


def test_the_demo_replays_the_committees_history_once(demo_app, fund):
    """Every proposal beyond review reaches its demo status (finance then transfers); a second run adds nothing."""
    lines = demo_app.seed_lines
    expected = {s["title"]["en"]: s["status"] for s in demo_data()["proposals"]}
    documents = sa.select(Proposal).where(Proposal.stage == ProposalStage.programme_document)
    states = {p.title: p.state.value for p in db.session.scalars(documents)}  # the concept notes are "selected"
    for title, status in expected.items():
        if status in LATER:
            assert states[title] == status, title
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.held_on)).all()
    # the 1st meeting (April 2020) decided the first call's concept notes, six more took up programme documents
    assert [m.state for m in meetings] == [MeetingState.closed] * 7 + [MeetingState.scheduled]
    assert meetings[-1].title == UPCOMING_TITLE
    assert {i.proposal.state for i in meetings[-1].items} == {ProposalState.in_review}
    outcomes = Counter(d.outcome.value for d in db.session.scalars(sa.select(Decision)) if not d.is_matter)
    # 12 of the endorsements and 10 of the rejections are the 1st meeting's, on the first call's concept notes
    assert outcomes == {"approve": 8, "approve_with_conditions": 2, "endorse": 9 + 12, "reject": 1 + 10, "defer": 1}
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) > 60
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 0  # the fund decides by consensus
    assert any("MIG-WP-" in line for line in lines)
    positions_before = db.session.scalar(sa.select(sa.func.count(Position.id)))
    seed_demo("demo-password-12")
    assert seed_steering(fund) == ["Steering: 0 seats filled.", "Steering: 0 conflicts of interest declared."]
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == positions_before


def test_the_demo_has_a_meeting_decided_by_consensus_with_a_reservation_minuted(demo_app, fund):
    fourth = db.session.scalar(sa.select(Meeting).where(Meeting.title.like("%4th meeting%")))
    (item,) = minutes_data(fourth, None)["items"]
    assert item["decision"]["outcome"] == "Approved with conditions"
    assert item["reservations"] == [{"text": CONDITIONS["igad-climate-mobility"], "name": "Jonas Becker",
                                     "objection": False}]  # fmt: skip
    assert item["objections"] == []
    assert "votes" not in item
    assert "tally" not in item


def test_the_demos_minutes_are_each_approved_at_the_next_meeting_the_last_by_written_procedure(demo_app, fund):
    """Each past meeting's minutes were approved, signed and stored at the next one; the last ones, with no meeting
    before December, by written procedure: signed by the chair when it concluded, the procedure's decision in the
    register."""
    past = db.session.scalars(
        sa.select(Meeting).where(Meeting.state == MeetingState.closed).order_by(Meeting.held_on)
    ).all()
    for earlier, later in pairwise(past):
        assert earlier.minutes.state is MinutesState.approved, earlier.reference
        assert earlier.minutes.approved_in == later
        assert earlier.minutes.signed_by is not None
        assert hashlib.sha256(read_stored(earlier.minutes.storage_key)).hexdigest() == earlier.minutes.sha256
    last = past[-1].minutes
    assert last.state is MinutesState.approved
    procedure = last.approved_by_procedure
    assert (last.approved_in, procedure.state, procedure.objections) == (None, WrittenProcedureState.adopted, [])
    assert last.decision.reference == f"{procedure.reference}/MIN1"
    assert last.decision.procedure == procedure
    assert last.signed_by == last.decision.presided_by == chair_term(fund, last.decision.decided_on).holder
    assert hashlib.sha256(read_stored(last.storage_key)).hexdigest() == last.sha256
    with force_locale(past[-1].language):  # the signed original is in the meeting's language
        said = gettext("Approved by the Steering Committee by written procedure %(ref)s on %(day)s.",
                       ref=procedure.reference, day="@")  # fmt: skip
    assert said.split("@")[0] in " ".join(pdf_text(read_stored(last.storage_key)).split())


def test_the_demo_adopts_the_next_years_allocation_targets_by_written_procedure(demo_app, fund):
    """A matter of the fund decided between meetings: the 2027 allocation targets, nobody objecting; the decision
    is the procedure's, in the register, signed by the chair on its day."""
    in_writing = sa.select(Decision).where(
        Decision.procedure_id.is_not(None), Decision.subject == DecisionSubject.allocation_targets
    )
    decision = db.session.scalar(in_writing)
    assert decision is not None
    assert decision.reference == decision.procedure.reference
    assert decision.procedure.state is WrittenProcedureState.adopted
    assert "2027" in decision.matter
    assert decision.presided_by == chair_term(fund, decision.decided_on).holder
    links = sa.select(sa.func.count(DecisionRecord.id)).where(DecisionRecord.decision_id == decision.id)
    assert db.session.scalar(links) == 1


def test_the_demo_chair_presides_over_the_items_where_iom_takes_part_and_abstains(demo_app, fund):
    """IOM takes part in nearly every demo proposal: the chair presided over those items (she signs their letters)
    and, under the fund's policy, stated no position on them."""
    chair = chair_term(fund, date(2023, 5, 11)).holder
    iom_items = [i for m in db.session.scalars(sa.select(Meeting).where(Meeting.state == MeetingState.closed))
                 for i in m.items if chair.organization_id in i.proposal.organization_ids]  # fmt: skip
    assert iom_items
    for item in iom_items:
        assert item.presided_by == chair, item.display_name
        assert chair.id not in {p.member_id for p in item.positions}, item.display_name
        assert chair.id in item.quorum_record["recused"]


def test_the_demo_decides_matters_of_the_fund_in_its_meetings(demo_app, fund):
    """The 2023 meeting adopted the allocation targets and the 2026 mid-year one approved the FMU's direct costs,
    charged to the fund by a ledger entry naming the decision; both are in the register and the minutes."""
    matters = {d.subject: d for d in db.session.scalars(sa.select(Decision).where(Decision.meeting_id.is_not(None)))}
    assert set(matters) == {DecisionSubject.allocation_targets, DecisionSubject.direct_costs, DecisionSubject.minutes}
    costs = matters[DecisionSubject.direct_costs]
    entry = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.decision_id == costs.id))
    assert (entry.kind, entry.amount, entry.reference) == (EntryKind.direct_costs, -costs.approved_amount,
                                                           costs.reference)  # fmt: skip
    assert balances(fund).direct_costs == costs.approved_amount
    minutes = minutes_data(costs.meeting, None)
    assert [m["reference"] for m in minutes["matters"]] == [costs.reference]
    assert costs.presided_by == chair_term(fund, costs.decided_on).holder


def test_the_demo_account_table_says_who_chairs_and_each_accounts_language(demo_app, fund):
    """`make run` prints who each account is: the chair and vice-chair by their seat, and the language they read."""
    demo_emails = [spec["email"] for spec in demo_data()["users"]]
    users = list(db.session.scalars(sa.select(User).where(User.email.in_(demo_emails))))
    table = account_table(SeedReport(users=users, fund=fund)).splitlines()
    assert table[0].split() == ["role", "organization", "language", "committee", "seat", "e-mail"]
    line_of = {line.split()[-1]: line for line in table[1:]}
    assert len(line_of) == len(demo_emails)
    assert "Chair" in line_of["helena.marchetti@fundmgr.example"]
    assert line_of["fatou.diallo@fundmgr.example"].split()[:3] == ["fmu", "IOM", "fr"]
    assert "sc_member" in line_of["helena.marchetti@fundmgr.example"]


def test_the_demos_meeting_pack_shows_the_proposed_portfolio_with_its_reasons(demo_app, fund):
    """The FMU asked for a portfolio proposal before each meeting; the 11th meeting's pack shows it, every proposal
    left out with its reason, and how the decisions compared with it."""
    eleventh = db.session.scalar(sa.select(Meeting).where(Meeting.title.like("%11th meeting%")))
    fmu = db.session.scalar(sa.select(User).where(User.email == "fatou.diallo@fundmgr.example"))
    text = pdf_text(meeting_pack_pdf(eleventh, fmu))
    assert "Portfolio proposal (recommendation)" in text
    assert "Left out, and why" in text
    assert "Where the decisions departed from the recommendation" in text
    runs = db.session.scalars(sa.select(PortfolioRun).order_by(PortfolioRun.id)).all()
    assert len(runs) == 7  # one before each of the six meetings held, one for the next
