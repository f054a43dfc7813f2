"""One realistic world for the access matrix and the hostile-input tests, built through the packages' operations.

The fund holds money. IOM leads (with UNHCR) a proposal in every state that has pages: a ready draft, a
submitted one, one in screening, one in review (two versions, assigned, scored by the chair, a declared
conflict), three on the agenda of a meeting under way (open for votes, closed with positions, pending), one under
an open written procedure, and one approved at a past meeting that is funded (allocations, a transfer) and
reports results (an accepted report with evidence, a submitted one, a complete draft with evidence, a period
not reported on yet). UNDP has a draft of its own. A meeting is scheduled; the results framework is loaded.

Only ids and texts leave the builder, so tests hold nothing tied to a database session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts import operations as account_ops
from fundmgr.accounts.models import Role, TokenScope, User
from fundmgr.accounts.operations import password_reset_token
from fundmgr.db import db
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.models import Allocation, ContributionKind, FinalStatement
from fundmgr.funds.models import Fund
from fundmgr.funds.seats import term_of
from fundmgr.jobs import runner
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import AttachmentKind, Proposal
from fundmgr.results import operations as results_ops
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.models import Extension, FundIndicator, Programme
from fundmgr.results.values import IndicatorEntry
from fundmgr.results.views.annual import ANNUAL_REPORT
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.meeting_views import MEETING_PACK
from fundmgr.steering.models import DecisionOutcome, MeetingMode, Recommendation, Stance, standing
from fundmgr.storage import keep, read_stored
from tests.factories import organization
from tests.support import TODAY
from tests.support.files import PDF_BYTES, upload

ROLES = ("anonymous", "agency_lead", "agency_other", "sc_member", "sc_chair", "sc_recused", "sc_declared",
         "fmu", "viewer", "admin", "reviewer")  # fmt: skip
# Who each role is: (role, organization, the seat held: its code or a prefix). IOM leads the proposals with UNHCR.
PEOPLE = {
    "agency_lead": (Role.agency, "IOM", None),
    "agency_other": (Role.agency, "UNDP", None),
    "sc_member": (Role.sc_member, "GOV-DEU", "MS-DONOR-"),
    "sc_chair": (Role.sc_member, "GOV-ESP", "CHAIR"),
    "sc_recused": (Role.sc_member, "UNHCR", "UN-"),  # UNHCR takes part: recused
    "sc_declared": (Role.sc_member, "GOV-MAR", "MS-CHAMPION-"),  # declares conflicts
    "fmu": (Role.fmu, "IOM", None),
    "viewer": (Role.viewer, "GOV-NLD", None),
    "admin": (Role.admin, "IOM", None),
    "reviewer": (Role.technical_reviewer, "UNFPA", None),  # a technical reviewer invited on the proposal in screening
}
# Each proposal's title carries a code word (so a page can be searched for a leak of it), and hostile text:
# markup and script that must come back escaped, and a formula a spreadsheet must not run.
CODES = {
    "draft": "AURORA7", "other_draft": "BOREALIS7", "submitted": "CYGNUS7", "screening": "DRACO7",
    "review": "ERIDANUS7", "vote": "FORNAX7", "decide": "GEMINI7", "pending": "HYDRA7", "procedure": "LYRA7",
    "active": "ORION7", "concept": "PEGASUS7", "pipeline": "SCORPIUS7",
}  # fmt: skip
SUBJECTS = {
    "draft": "Safe labour corridors for seasonal workers",
    "other_draft": "Diaspora investment in rural towns",
    "submitted": "Data for migration policy in the Sahel",
    "screening": "Protection at sea for people in distress",
    "review": "Social cohesion in host communities",
    "vote": "Climate mobility in the Pacific",
    "decide": "Return and reintegration with dignity",
    "pending": "Access to justice for migrant workers",
    "procedure": "Children on the move: alternatives to detention",
    "active": "Regular pathways for the most vulnerable",
    "concept": "Labour mobility from Central Asia to Europe",
    "pipeline": "Migrant health along the Eastern route",
}


def hostile(code: str) -> str:
    """Text that is harmless only if it is escaped: markup, script, quotes, and a leading formula."""
    return f'=HYPERLINK("https://evil.example/{code}","{code}") <b>{code}</b><script>alert("{code}")</script> \' & "'


TITLES = {key: f"{hostile(code)} {SUBJECTS[key]} ({code})" for key, code in CODES.items()}
# What must never reach a page unescaped.
RAW_MARKUP = re.compile(r"<script>alert\(|<b>[A-Z]+7</b>|<i>notes</i>")
# TODAY is UTC's day when the session started: never after the fund's (Europe/Zurich), so a date from it is never
# in the fund's future, and the dates set weeks ahead stay ahead whatever the hour.


@dataclass
class World:
    """The ids (and a few texts) of everything the access tests address."""

    users: dict[str, int | None] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    proposals: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=lambda: dict(TITLES))
    summaries: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    reset_token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # storage key -> bytes, restored after each test
    forms: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # (owner, language, page, action) -> its form

    def code(self, key: str) -> str:
        """The code word of a proposal's title (what a leak of the title is searched by)."""
        return CODES[key]


def build_world(fund: Fund, make_user: Callable[..., User], make_proposal: Callable[..., Proposal]) -> World:
    """Build the world (committing, as the factories do) and return its ids."""
    world = World()
    users = {
        name: make_user(role, org=org, seat=seat, name=f"{name.replace('_', ' ').title()} Person")
        for name, (role, org, seat) in PEOPLE.items()
    }
    world.users = {"anonymous": None} | {name: user.id for name, user in users.items()}
    world.emails = {name: user.email for name, user in users.items()}
    # A person holding no role on the fund yet (the administrator grants one).
    newcomer = make_user(Role.viewer, org="GOV-NLD", name="Newcomer Person", funds=[])
    world.ids["newcomer"], world.ids["fund"] = newcomer.id, fund.id
    world.emails["newcomer"] = newcomer.email
    lead, fmu, chair = users["agency_lead"], users["fmu"], users["sc_chair"]
    # A fifth member (no role of the matrix of their own): with them, three seats not conflicted make the quorum.
    extra = make_user(Role.sc_member, org="GOV-DNK", seat="MS-DONOR-", name="Extra Member")
    members = [users[n] for n in ("sc_member", "sc_chair", "sc_recused", "sc_declared")] + [extra]

    deposit = finance_ops.record_contribution(
        fund,
        finance_ops.ContributionData(
            donor=organization("GOV-DEU"), kind=ContributionKind.deposit, on_date=TODAY - timedelta(days=1500),
            currency="USD", amount=Decimal("30000000.00"), rate_to_usd=Decimal("1"), reference="SAA-WORLD-01",
            note=f"Multi-year contribution {hostile('NOTE7')}",
        ),
        actor=fmu,
    )  # fmt: skip
    finance_ops.record_interest(fund, amount=Decimal("1234.56"), on_date=TODAY - timedelta(days=30),
                                reference="=1+1 INT-WORLD", note="-2+3 interest <b>NOTE7</b>", actor=fmu)  # fmt: skip
    world.ids |= {"contribution": deposit.id, "donor": organization("GOV-DEU").id,
                  "area": next(a.id for a in fund.thematic_areas if a.code == "TA1"),
                  "objective": fund.objectives[0].id}  # fmt: skip
    framework, _changed = results_ops.load_framework(fund, *read_framework(bundled_framework()), actor=None)
    indicator = db.session.scalars(
        sa.select(FundIndicator).where(FundIndicator.framework_id == framework.id).order_by(FundIndicator.id)
    ).first()
    world.ids |= {"fund_indicator": indicator.id, "fund_outcome": indicator.outcome_id}
    world.ids["fund_output"] = next(o.id for o in indicator.outcome.outputs)

    def draft(key: str, *, lead_org: str = "IOM", partners: tuple[str, ...] = ("UNHCR",), creator: User = lead,
              start: date | None = None, duration: int = 24, concept_note: bool = False) -> Proposal:  # fmt: skip
        proposal = make_proposal(title=TITLES[key], lead=lead_org, partners=partners, creator=creator,
                                 duration_months=duration, concept_note=concept_note)  # fmt: skip
        proposal.summary = f"Summary of {key}: confidential design SUMMARY-{key.upper()}.\n<i>notes</i> & more"
        if start:
            proposal.start_date = start
        proposal_ops.add_attachment(proposal, AttachmentKind.endorsement_letter, upload(f"endorsement-{key}.pdf"),
                                    actor=creator)  # fmt: skip
        db.session.commit()
        world.files[proposal.attachments[0].storage_key] = PDF_BYTES
        world.proposals[key] = proposal.id
        world.summaries[key] = proposal.summary
        return proposal

    def submit(proposal: Proposal) -> None:
        proposal_ops.submit_proposal(proposal, actor=lead)

    def screen(proposal: Proposal) -> None:
        screening = proposal_ops.start_screening(proposal, actor=fmu)
        proposal_ops.record_screening(proposal, {i.check_id: (True, "") for i in screening.items}, actor=fmu)

    def to_review(proposal: Proposal) -> None:
        submit(proposal)
        screen(proposal)
        proposal_ops.forward_to_review(proposal, actor=fmu)

    # Drafts: IOM's ready draft (with its matrix items and letter) and UNDP's own.
    p_draft = draft("draft")
    outcome = p_draft.outcomes[0]
    world.ids |= {"draft_outcome": outcome.id, "draft_output": outcome.outputs[0].id,
                  "draft_indicator": outcome.outputs[0].indicators[0].id,
                  "draft_attachment": p_draft.attachments[0].id}  # fmt: skip
    # UNDP's draft is started through the pages' operations (its title, typed in, goes to the audit log too).
    other = users["agency_other"]
    p_other = proposal_ops.create_proposal(
        fund, proposal_ops.ProposalDetails(title=TITLES["other_draft"], summary="UNDP design SUMMARY-OTHER_DRAFT."),
        actor=other,
    )  # fmt: skip
    proposal_ops.set_participants(p_other, lead=organization("UNDP"), organizations=[organization("UNICEF")],
                                  actor=other)  # fmt: skip
    letter = proposal_ops.add_attachment(p_other, AttachmentKind.endorsement_letter, upload("undp.pdf"), actor=other)
    db.session.commit()
    world.proposals["other_draft"] = p_other.id
    world.ids["other_attachment"] = letter.id
    world.files[letter.storage_key] = PDF_BYTES

    submit(draft("submitted"))
    p_screening = draft("screening")
    submit(p_screening)
    screen(p_screening)
    invitation = proposal_ops.invite_reviewer(p_screening, users["reviewer"], actor=fmu)
    proposal_ops.comment_on(p_screening, f"Expert comment {hostile('REVIEW7')}", actor=users["reviewer"])
    world.ids["invitation"] = invitation.id

    # In review with two versions: returned once at screening, resubmitted.
    p_review = draft("review")
    submit(p_review)
    screen(p_review)
    proposal_ops.return_for_revision(p_review, "Add the government's letter of support.", actor=fmu)
    p_review.summary += " Revised."
    to_review(p_review)
    world.ids["review_attachment"] = p_review.attachments[0].id

    # A concept note drafted by IOM, and one the committee endorsed into the pipeline.
    draft("concept", concept_note=True)
    p_pipeline = draft("pipeline", concept_note=True)
    to_review(p_pipeline)
    proposal_ops.endorse_proposal(p_pipeline, actor=None)

    in_review = {key: draft(key) for key in ("vote", "decide", "pending", "procedure")}
    for proposal in in_review.values():
        to_review(proposal)
    db.session.commit()

    # The Steering Committee: conflicts, assignments, the chair's review.
    for proposal in (p_review, *in_review.values()):
        reason = f"My ministry co-finances it. {hostile('CONFLICT7')}"
        conflict = steering_ops.declare_conflict(proposal, users["sc_declared"], reason, actor=users["sc_declared"])
        if proposal is p_review:
            world.ids["conflict"] = conflict.id
    steering_ops.assign_reviewers(p_review, [users["sc_member"], chair], TODAY + timedelta(days=14), actor=fmu)
    criteria = [c for c in fund.criteria if not c.retired]
    steering_ops.save_review(
        p_review, chair,
        steering_ops.ReviewInput(scores={c.id: (4, "Convincing.") for c in criteria},
                                 recommendation=Recommendation.approve, comment=f"Well designed. {hostile('REVIEW7')}"),
        actor=chair, submit=True, no_conflict=True,
    )  # fmt: skip

    # A past meeting approved the programme that is now active.
    start = TODAY - timedelta(days=3 * 365 + 200)
    p_active = draft("active", start=start, duration=48)
    with clock.as_of(start - timedelta(days=120)):
        to_review(p_active)
    with clock.as_of(start - timedelta(days=30)):
        title = (
            f"{hostile('ATLAS7')} Steering Committee, 9th meeting"  # a formula first: the exports must neutralise it
        )
        past = steering_ops.schedule_meeting(
            fund, steering_ops.MeetingData(title, start - timedelta(days=30), MeetingMode.virtual), actor=fmu
        )
        (item,) = steering_ops.add_agenda_items(past, [p_active], actor=fmu)
        steering_ops.record_attendance(past, {m.id for m in members}, actor=fmu)
        steering_ops.start_meeting(past, actor=chair)
        steering_ops.open_item(item, actor=chair)
        voices = [m for m in members if standing(p_active, m).decides]
        for member in voices:
            steering_ops.state_position(item, member, steering_ops.PositionData(Stance.support), actor=member)
        reservation = steering_ops.PositionData(Stance.reservation, f"Baselines first {hostile('RESERVE7')}", True)
        steering_ops.state_position(item, voices[0], reservation, actor=voices[0])
        decision = steering_ops.record_decision(
            item,
            steering_ops.DecisionData(
                DecisionOutcome.approve_with_conditions,
                f"{hostile('TERMS7')} baselines first",
                p_active.latest_version.total,
            ),
            actor=chair,
        )
        steering_ops.end_meeting(past, actor=chair)
    world.ids |= {"past_meeting": past.id, "decision": decision.id, "past_minutes": past.minutes.id}
    allocation = db.session.scalars(
        sa.select(Allocation).where(Allocation.proposal_id == p_active.id).order_by(Allocation.id)
    ).first()
    world.ids["allocation"] = allocation.id
    world.ids["budget_category"] = fund.budget_categories[0].id
    finance_ops.record_transfer(allocation, amount=(allocation.total / 2).quantize(Decimal("0.01")),
                                on_date=start, reference="TR-WORLD-01", actor=fmu)  # fmt: skip
    build_reports(world, p_active, lead, fmu)

    # The meeting under way (the fund decides by consensus): one item closed with its positions, one open, one pending.
    live = steering_ops.schedule_meeting(
        fund,
        steering_ops.MeetingData(f"Steering Committee, 14th meeting {hostile('VEGA7')}", TODAY, MeetingMode.hybrid),
        actor=fmu,
    )
    items = steering_ops.add_agenda_items(live, [in_review["decide"], in_review["vote"], in_review["pending"]],
                                          actor=fmu)  # fmt: skip
    steering_ops.record_attendance(live, {m.id for m in members}, actor=fmu)
    steering_ops.start_meeting(live, actor=chair)
    closed, open_, pending = items
    steering_ops.open_item(closed, actor=chair)
    for member in (users["sc_member"], chair):
        steering_ops.state_position(closed, member, steering_ops.PositionData(Stance.support), actor=member)
    steering_ops.close_item(closed, actor=chair)
    steering_ops.open_item(open_, actor=chair)
    reservation = steering_ops.PositionData(Stance.reservation, f"Data first {hostile('OBJECT7')}")
    steering_ops.state_position(open_, chair, reservation, actor=chair)
    world.ids |= {"live_meeting": live.id, "closed_item": closed.id, "open_item": open_.id,
                  "pending_item": pending.id}  # fmt: skip

    title = f"Steering Committee, 15th meeting {hostile('POLLUX7')}"
    scheduled = steering_ops.schedule_meeting(
        fund, steering_ops.MeetingData(title, TODAY + timedelta(days=60), MeetingMode.in_person, "Geneva"), actor=fmu
    )
    world.ids["scheduled_meeting"] = scheduled.id

    procedure = steering_ops.circulate_written_procedure(
        in_review["procedure"], steering_ops.DecisionData(DecisionOutcome.endorse),
        rationale=f"Endorse for the pipeline. {hostile('RATIONALE7')}", deadline=TODAY + timedelta(days=10), actor=fmu,
    )  # fmt: skip
    world.ids["procedure"] = procedure.id
    db.session.commit()

    world.reset_token = password_reset_token(lead)
    build_seats(world, fund, users, make_user)
    build_api_tokens(world)
    build_calls(world, fund, fmu)
    build_jobs(world, fund, fmu)
    build_publications(world, fund, fmu)
    return world


def build_jobs(world: World, fund: Fund, fmu: User) -> None:
    """Documents the FMU asked for, done: the annual report as PDF and Excel, the live meeting's pack."""
    asks = {
        "annual_pdf_job": (ANNUAL_REPORT, {"year": TODAY.year, "kind": "pdf", "lang": "en"}),
        "annual_xlsx_job": (ANNUAL_REPORT, {"year": TODAY.year, "kind": "xlsx", "lang": "en"}),
        "pack_job": (MEETING_PACK, {"meeting_id": world.ids["live_meeting"]}),
    }
    for key, (kind, params) in asks.items():
        job = runner.ask(kind, fund=fund, user=fmu, params=params, language="en")
        db.session.commit()
        runner.run(job.id)
        assert job.storage_key, job.error
        world.ids[key] = job.id
        world.files[job.storage_key] = read_stored(job.storage_key)


def build_publications(world: World, fund: Fund, fmu: User) -> None:
    """On the public page: the funding decision's summary (by the FMU's operation) and an annual report's file
    (stored as the operation stores its PDFs, without rendering three reports for every module's world)."""
    from fundmgr.opendata import operations as publishing
    from fundmgr.opendata.models import Publication, PublicationFile, PublicationKind
    from fundmgr.steering.models import Decision
    from fundmgr.storage import store_generated
    from tests.support.files import PDF_BYTES

    decision = db.session.get(Decision, world.ids["decision"])
    summary = publishing.publish_decision_summary(decision, {"en": f"Funded. {hostile('SUMMARY7')}"}, actor=fmu)
    report = Publication(fund=fund, kind=PublicationKind.annual_report, year=TODAY.year - 1, published_by=fmu)
    stored = store_generated(PDF_BYTES, "annual-report-en.pdf", "application/pdf")
    report.files.append(PublicationFile(language="en", **stored.columns()))
    db.session.add(report)
    db.session.commit()
    world.ids |= {"publication": summary.id, "publication_file": report.files[0].id}


def build_api_tokens(world: World) -> None:
    """A read-write API token for every signed-in role (tests/access/api_routes.py); the lead's can be revoked."""
    tokens = {}
    for role, user_id in world.users.items():
        if user_id is None:
            continue
        user = db.session.get(User, user_id)
        token, tokens[role] = account_ops.create_api_token(
            user, name=f"<b>{role}</b> =SUM(1)", scope=TokenScope.read_write, days=30, actor=user
        )
        if role == "agency_lead":
            db.session.flush()
            world.ids["api_token"] = token.id
    world.extra["api_tokens"] = tokens
    db.session.commit()


def build_calls(world: World, fund: Fund, fmu: User) -> None:
    """Calls: a draft (only the FMU and administrators know it), an open one, and one closed."""
    from fundmgr.calls import operations as call_ops

    def details(title: str) -> call_ops.CallDetails:
        return call_ops.CallDetails(
            title={"en": title, "fr": title, "es": title}, description={"en": hostile("CALLTEXT7")},
            eligibility={"en": "Two Participating UN Organizations at least."}, documents={"en": "Endorsement letter."},
            opens_on=TODAY - timedelta(days=30), closes_on=TODAY + timedelta(days=60), ceiling=Decimal("2500000.00"),
            area_ids=[fund.thematic_areas[0].id], region_codes=["002"], objective_ids=[fund.objectives[0].id],
        )  # fmt: skip

    draft = call_ops.open_call(fund, details(f"{hostile('WINDCALL7')} Draft call"), actor=fmu)
    opened = call_ops.open_call(fund, details(f"{hostile('OPENCALL7')} First call of the fund"), actor=fmu)
    call_ops.publish_call(opened, actor=fmu)
    closed = call_ops.open_call(fund, details("An earlier call"), actor=fmu)
    call_ops.publish_call(closed, actor=fmu)
    call_ops.close_call(closed, actor=fmu)
    db.session.commit()
    world.ids |= {"draft_call": draft.id, "open_call": opened.id, "closed_call": closed.id}


def build_seats(world: World, fund: Fund, users: dict[str, User], make_user: Callable[..., User]) -> None:
    """The committee's terms: the donor's (to end) and, made last so no meeting invites them, a member whose term
    ended yesterday (free to be appointed again)."""
    world.ids["term"] = term_of(users["sc_member"], fund, TODAY).id
    spare = make_user(Role.sc_member, org="GOV-NOR", seat="MS-DONOR-", name="Spare Member")
    term = term_of(spare, fund, TODAY)
    term.ends_on = TODAY - timedelta(days=1)
    db.session.commit()
    world.ids |= {"spare_member": spare.id, "spare_seat": term.seat_id}


def build_reports(world: World, proposal: Proposal, lead: User, fmu: User) -> None:
    """The active programme's reports: 1 accepted (with a photo), 2 submitted, 3 a complete draft (with a file)."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
    world.ids["programme"] = programme.id
    assert len(programme.periods) == 5, "calendar years: the first and the last partial"
    # the last one removed, so that adding a period (within the programme's dates) has one to add
    last = programme.periods[-1]
    next_period = (last.start_date.isoformat(), last.end_date.isoformat(), last.due_date.isoformat())
    results_ops.remove_period(last, actor=fmu)
    db.session.expire(programme, ["periods"])
    periods = programme.periods
    assert len(periods) == 4, "four periods left"
    assert periods[2].end_date < TODAY <= periods[3].end_date, "the fourth period is under way"

    def report(number: int, value: str):
        entries = {
            i.id: IndicatorEntry(actual=value, parts={}, status="on_track", comment="") for i in programme.indicators
        }
        data = results_ops.ReportInput(
            entries=entries,
            narratives={
                o.id: f"Progress on outcome {o.position}, period {number}. {hostile('NARRATIVE7')}"
                for o in programme.outcomes
            },
            lessons_learned=f"+SUM(1,2) Municipalities first. {hostile('LESSONS7')}",
        )
        return results_ops.save_report(periods[number - 1], data, actor=lead)

    first = report(1, "40")
    evidence = results_ops.add_evidence(first, upload("training-attendance.pdf"), "@SUM(1) sheets <b>x</b>",
                                          actor=lead)  # fmt: skip
    results_ops.submit_report(first, actor=lead)
    results_ops.accept_report(first, actor=fmu)
    second = report(2, "90")
    results_ops.submit_report(second, actor=lead)
    third = report(3, "120")
    draft_evidence = results_ops.add_evidence(third, upload("field-visit.pdf"), "-1+1 field notes <b>y</b>",
                                                actor=lead)  # fmt: skip
    db.session.commit()
    world.ids |= {"accepted_evidence": evidence.id, "draft_evidence": draft_evidence.id, "accepted_report": first.id}
    world.ids |= {"draft_report": third.id, "draft_period_id": periods[2].id}
    world.ids |= {"accepted_period": 1, "submitted_period": 2, "draft_period": 3, "open_period": 4}
    world.extra["next_period"] = next_period
    world.extra["later_due"] = (periods[3].due_date + timedelta(days=10)).isoformat()
    world.extra["programme_start"] = programme.start_date.isoformat()
    for item in (evidence, draft_evidence):
        world.files[item.storage_key] = PDF_BYTES
    # a no-cost extension of two months waiting for the FMU (written as a row: the world's day may be past the
    # last day to ask, which the extension tests cover)
    extension = Extension(
        programme=programme,
        reason=f"Elections delayed the field work. {hostile('EXTENSION7')}",
        current_end_date=programme.end_date,
        new_end_date=programme.end_date + timedelta(days=60),
        requested_by_id=lead.id,
    )
    db.session.add(extension)
    db.session.commit()
    world.ids["extension"] = extension.id
    # a top-up for the lead organization waiting for the FMU (above the fund's threshold: it is forwarded)
    top_up = finance_ops.request_top_up(proposal, organization_id=lead.organization_id, amount=Decimal("25000.00"),
                                        reason=f"More arrivals. {hostile('TOPUP7')}", actor=lead)  # fmt: skip
    # and a budget revision moving 1,000 of the lead's direct costs to two other categories, waiting for the FMU
    categories = [c.code for c in proposal.fund.budget_categories]
    lead_org = lead.organization_id
    move = finance_ops.RevisionData(
        [finance_ops.LineData(lead_org, categories[0], 1, Decimal("-1000.00")),
         finance_ops.LineData(lead_org, categories[1], 1, Decimal("600.00")),
         finance_ops.LineData(lead_org, categories[2], 1, Decimal("400.00"))],
        f"Staff costs. {hostile('REVISION7')}",
    )  # fmt: skip
    revision = finance_ops.request_revision(proposal, move, actor=lead)
    db.session.commit()
    world.ids |= {"top_up": top_up.id, "top_up_organization": lead.organization_id, "revision": revision.id}
    # certified final financial statements of UNHCR, uploaded (written as a row: the programme is not closed, and
    # the FMU's form must still offer IOM, which was paid)
    unhcr = next(p.organization_id for p in proposal.participants if p.organization.code == "UNHCR")
    stored = keep(PDF_BYTES, "statements.pdf", "application/pdf")
    statement = FinalStatement(fund_id=proposal.fund_id, proposal_id=proposal.id, organization_id=unhcr,
                               received_on=TODAY, document=f"CFS {hostile('STATEMENT7')}",
                               certified_total=Decimal("0.00"), received_by_id=fmu.id, **stored.columns())  # fmt: skip
    db.session.add(statement)
    db.session.commit()
    world.files[stored.key] = PDF_BYTES
    world.ids["final_statement"] = statement.id
    world.extra["revision_form"] = {
        "lines-0-organization": str(lead_org), "lines-0-category": categories[0], "lines-0-year": "1",
        "lines-0-change": "decrease", "lines-0-amount": "500.00",
        "lines-1-organization": str(lead_org), "lines-1-category": categories[1], "lines-1-year": "1",
        "lines-1-change": "increase", "lines-1-amount": "500.00", "reason": "More.",
    }  # fmt: skip
