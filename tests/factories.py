"""Fixture factories: each fixture returns a callable that creates one kind of object."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.accounts.operations import hasher
from fundmgr.db import db
from fundmgr.funds.models import Country, Fund, FundRole
from fundmgr.funds.seats import Seat, SeatTerm, free_seat, seats_of
from fundmgr.proposals.budget import programme_years, requested_total
from fundmgr.proposals.models import (
    BudgetLine,
    MatrixIndicator,
    MatrixOutcome,
    MatrixOutput,
    NationalPartner,
    Participant,
    PartnerKind,
    Proposal,
    ProposalMarker,
    ProposalStage,
    ProposalState,
    ProposalVersion,
)
from fundmgr.proposals.snapshot import read_snapshot
from fundmgr.proposals.versions import freeze_version

PASSWORD = "correct horse battery"
# Hashing is deliberately slow; tests share one hash instead of computing one per user.
PASSWORD_HASH = hasher.hash(PASSWORD)
_counter = itertools.count(1)


@contextmanager
def counted_from(start: int) -> Iterator[None]:
    """Within, the factories number what they make from start (the access world, built in one process of the run
    and copied into the others: its numbers never meet the ones a process counts from 1)."""
    global _counter
    before, _counter = _counter, itertools.count(start)
    try:
        yield
    finally:
        _counter = before


@pytest.fixture
def fund() -> Fund:
    """The bundled Migration MPTF, loaded once per test database."""
    return migration_fund()


def migration_fund() -> Fund:
    """What `fund` gives, outside a test."""
    return db.session.scalar(sa.select(Fund).where(Fund.code == "MIG"))


def organization(code: str) -> Organization:
    return db.session.scalar(sa.select(Organization).where(Organization.code == code))


@pytest.fixture
def make_user() -> Callable[..., User]:
    """Create a user holding the role on the Migration MPTF (administrators: on the installation):
    make_user(Role.agency, org="IOM", seat=None, name=None, funds=None); `funds=[...]` names the funds the role is
    held on instead. A Steering Committee member of the Migration MPTF holds a seat whose code is, or starts with,
    `seat` ("CHAIR", "UN-", "MS-DONOR-", "MS-CHAMPION-", "CSO-"; UN entities' seats by default)."""
    return user_maker()


def user_maker() -> Callable[..., User]:
    """What `make_user` gives, outside a test (the access world, built once in the run)."""

    def _make(role: Role = Role.agency, org: str = "IOM", seat: str | None = None,
              funds: list[Fund] | None = None, **kw) -> User:  # fmt: skip
        user = new_user(role, org, seat, funds, **kw)
        db.session.commit()
        return user

    return _make


def new_user(role: Role = Role.agency, org: str = "IOM", seat: str | None = None,
             funds: list[Fund] | None = None, **kw) -> User:  # fmt: skip
    """`make_user`'s user, written but not committed: for a fixture making several, which commits once."""
    n = next(_counter)
    user = User(
        email=kw.pop("email", f"user{n}-{secrets.token_hex(3)}@example.org"),
        name=kw.pop("name", f"{role.value.title()} User {n}"),
        role=role,
        organization=organization(org),
        password_hash=PASSWORD_HASH,
        session_token=secrets.token_hex(16),
        **kw,
    )
    db.session.add(user)
    if role is not Role.admin:
        if funds is None:
            funds = [migration_fund()]
        for fund in funds:
            db.session.add(FundRole(user=user, fund=fund, role=role))
    db.session.flush()
    migration = next((f for f in funds or [] if f.code == "MIG"), None)
    if role is Role.sc_member and migration is not None:  # a seat only where the role is held
        give_seat(user, seat or "UN-", migration)
    return user


TERMS_FROM = date(2019, 5, 8)


def give_seat(user: User, code: str, fund: Fund | None = None) -> SeatTerm:
    """A Steering Committee member of the tests holds a seat of the Migration MPTF from its establishment: a free
    seat named by `code` (`funds.seats.free_seat`, as the demo's), else a new one of the same constituency."""
    fund = fund or migration_fund()
    seat = free_seat(fund, code)
    if seat is None:
        like = next(s for s in seats_of(fund, retired=True) if s.code.startswith(code))
        n = next(_counter)
        seat = Seat(
            fund_id=fund.id,
            constituency_id=like.constituency_id,
            code=f"{code.rstrip('-')}-T{n}",
            name={"en": f"Seat {n}", "fr": f"Siège {n}", "es": f"Puesto {n}"},
            position=1000 + n,
        )
        db.session.add(seat)
        db.session.flush()
    term = SeatTerm(seat_id=seat.id, holder_id=user.id, starts_on=TERMS_FROM)
    db.session.add(term)
    db.session.flush()
    db.session.expire(seat, ["terms"])
    return term


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Sign a test client in as user without going through the (slow) password check."""
    from fundmgr.accounts.sessions import SESSION_KEY, start_session

    key = start_session(user)  # a server session, as a real sign-in opens
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SESSION_KEY] = key
    return client


@pytest.fixture
def make_proposal(fund, make_user) -> Callable[..., Proposal]:
    """Create a complete proposal in any state, with a frozen version once past draft.

    make_proposal(state=ProposalState.in_review, lead="IOM", partners=("UNHCR",), area="TA2",
                  direct={"IOM": "700000.00", "UNHCR": "500000.00"}, country="TJK")
    Direct costs are split evenly over the programme years in the first budget category; `in_fund=` makes it
    in another fund than the Migration MPTF (its creator holding the agency role there).
    """
    return proposal_maker(fund, make_user)


def proposal_maker(fund: Fund, make_user: Callable[..., User]) -> Callable[..., Proposal]:
    """What `make_proposal` gives, outside a test (the access world, built once in the run)."""

    def _make(
        state: ProposalState = ProposalState.draft,
        *,
        lead: str = "IOM",
        partners: tuple[str, ...] = ("UNHCR",),
        area: str = "TA2",
        country: str | None = "TJK",
        region: str | None = None,
        title: str | None = None,
        direct: dict[str, str] | None = None,
        duration_months: int = 24,
        creator: User | None = None,
        marker_level: int = 2,
        in_fund: Fund | None = None,
        concept_note: bool = False,
    ) -> Proposal:
        n = next(_counter)
        target = in_fund or fund
        creator = creator or make_user(Role.agency, org=lead, funds=[target])
        # Built without autoflush: each read of the fund's reference data (expired by the last commit) would
        # otherwise flush the half-built proposal, and every flush recomputes score summaries: one flush (in
        # finish) instead of about ten, a third of the factory's time.
        with db.session.no_autoflush:
            area_obj = next(a for a in target.thematic_areas if a.code == area)
            proposal = Proposal(
                fund=target,
                reference=f"TEST-{n:05d}" if state is not ProposalState.draft else None,  # given at submission
                title=title or f"Joint programme {n}",
                summary="Strengthening migration governance with government and civil society partners.",
                country=db.session.scalar(sa.select(Country).where(Country.iso3 == country)) if country else None,
                region_code=region,
                primary_area=area_obj,
                objectives=[area_obj.objectives[0]],
                principles=target.guiding_principles[:2],
                duration_months=duration_months,
                start_date=date(2027, 1, 1),
                government_endorsement=True,
                lead_organization=organization(lead),
                created_by=creator,
            )
            db.session.add(proposal)
            if concept_note:
                fill_concept_note(proposal)
            for marker in target.markers:
                proposal.markers.append(
                    ProposalMarker(marker=marker, level=marker_level, justification="Explained in section 4.")
                )
            direct = direct or {lead: "700000.00", **{code: "500000.00" for code in partners}}
            years = programme_years(duration_months)
            category = target.budget_categories[0]
            for code in (lead, *partners):
                org = organization(code)
                amount = Decimal(direct.get(code, "0.00"))
                proposal.participants.append(
                    Participant(
                        organization=org,
                        indirect_rate=target.indirect_cost_rate,
                        indicative_amount=amount if concept_note else None,
                    )
                )
                if concept_note:
                    continue  # indicative amounts, no budget grid
                share = (amount / years).quantize(Decimal("0.01"))
                for year in range(1, years + 1):
                    line_amount = share if year < years else amount - share * (years - 1)
                    proposal.budget_lines.append(
                        BudgetLine(organization=org, category=category, year=year, amount=line_amount)
                    )
            if not concept_note:
                outcome = MatrixOutcome(position=1, statement="Migrants access services safely.")
                output = MatrixOutput(position=1, statement="Service providers trained.")
                outcome.outputs.append(output)
                output.indicators.append(
                    MatrixIndicator(outcome=outcome, position=1, name="Number of officials trained", unit="persons",
                                    baseline=Decimal("0"), target=Decimal("200"), disaggregation=["sex"],
                                    means_of_verification="Training attendance records")
                )  # fmt: skip
                proposal.outcomes.append(outcome)
        return finish(proposal, state, creator)

    return _make


def fill_concept_note(proposal: Proposal) -> None:
    """The concept note's own content: the case, SDG targets, the RC's endorsement, a national partner."""
    proposal.stage = ProposalStage.concept_note
    if proposal.reference_number:  # a draft has none until it is submitted
        proposal.reference_number += "-CN"
    proposal.problem_statement = "Migrants lack safe access to services along the route."
    proposal.theory_of_change = "If officials are trained and services linked, migrants reach them safely."
    proposal.cooperation_framework = "Outcome 3 of the Cooperation Framework 2026-2030."
    proposal.knowledge_platform = "Good practices shared on the knowledge platform; peers met through the hub."
    proposal.rc_endorsement = True
    proposal.sdg_targets = ["10.7", "8.8"]
    proposal.national_partners.append(
        NationalPartner(position=0, name="Ministry of Labour", kind=PartnerKind.government, role="Co-chairs the board")
    )


def finish(proposal: Proposal, state: ProposalState, creator: User) -> Proposal:
    """Total the proposal, freeze its version once past draft, put it in its state."""
    db.session.flush()
    proposal.total_amount = requested_total(proposal)
    if state is not ProposalState.draft:
        freeze_version(proposal, actor=creator)
        proposal.submitted_at = proposal.versions[-1].submitted_at
    proposal.state = state
    db.session.commit()
    return proposal


def revise_snapshot(version: ProposalVersion, **changes: object) -> None:
    """Give a frozen version other content (fields as stored JSON data), as if it had been submitted so."""
    version.snapshot = read_snapshot({**version.snapshot.stored(), **changes})


def store_unchecked_snapshot(version: ProposalVersion, data: dict) -> None:
    """Put data in the database as a version's snapshot without the model checking it (a damaged row)."""
    versions = sa.table("proposal_versions", sa.column("id", sa.Integer), sa.column("snapshot", sa.JSON))
    db.session.execute(sa.update(versions).where(versions.c.id == version.id).values(snapshot=data))
    db.session.expire(version)


@pytest.fixture
def make_deposit(fund) -> Callable[..., object]:
    """Put money in the fund through finance: make_deposit("1000000.00", area=None, donor="GOV-DEU").

    A USD deposit recorded by the system; the fund's fee is deducted, so the available
    balance grows by the amount less the fee. Returns the Contribution.
    """
    from fundmgr.finance.models import ContributionKind
    from fundmgr.finance.operations import ContributionData, record_contribution

    def _make(amount: str, *, area: str | None = None, donor: str = "GOV-DEU", on_date: date | None = None):
        area_obj = next(a for a in fund.thematic_areas if a.code == area) if area else None
        n = next(_counter)
        contribution = record_contribution(
            fund,
            ContributionData(
                donor=organization(donor),
                kind=ContributionKind.deposit,
                on_date=on_date or date(2024, 1, 15),
                currency="USD",
                amount=Decimal(amount),
                rate_to_usd=Decimal("1"),
                area=area_obj,
                reference=f"SAA-TEST-{n:05d}",
            ),
            actor=None,
        )
        db.session.commit()
        return contribution

    return _make
