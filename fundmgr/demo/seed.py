"""Seeding the demo: every step is idempotent and goes through the same operations as the app.

This module orchestrates: it imports each package's demo module and runs them in the order of the
programme cycle. No package imports fundmgr.demo; they read the scenario from fundmgr.scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.accounts.operations import create_user
from fundmgr.calls.demo import seed_calls
from fundmgr.db import db
from fundmgr.deadlines.demo import seed_deadlines
from fundmgr.finance.demo import seed_contributions, seed_transfers
from fundmgr.funds import definition as d
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import grant_role, load_fund_file, upsert_organization
from fundmgr.notifications import paused
from fundmgr.notifications.demo import seed_notifications
from fundmgr.proposals.demo import seed_concept_notes, seed_proposals
from fundmgr.proposals.demo_call import seed_first_call_notes
from fundmgr.results.demo import seed_results
from fundmgr.scenario import demo_data
from fundmgr.steering.demo import seed_steering

DEFAULT_PASSWORD = "demo-fundmgr-2026"  # noqa: S105 - demo accounts only, printed by seed-demo


@dataclass
class SeedReport:
    """What a seeding run did, for the command's output."""

    lines: list[str] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    fund: Fund | None = None


def seed_fund() -> Fund:
    """The bundled Migration MPTF definition, with countries and regions."""
    fund, _changed, _added = load_fund_file(d.bundled_definition(), actor=None)
    return fund


def seed_organizations(fund: Fund) -> None:
    """The demo's civil-society partners and programme-country governments: the fund's own organizations."""
    for spec in demo_data().get("organizations") or []:
        upsert_organization(d.Organization.model_validate(spec), actor=None, fund=fund)
    db.session.flush()


def seed_users(fund: Fund, password: str) -> list[User]:
    """One account per demo person, holding their role on the fund; existing e-mails are left as they are."""
    users = []
    for spec in demo_data()["users"]:
        user = db.session.scalar(sa.select(User).where(User.email == spec["email"]))
        if user is None:
            org = db.session.scalar(sa.select(Organization).where(Organization.code == spec["organization"]))
            user = create_user(
                email=spec["email"],
                name=spec["name"],
                role=Role(spec["role"]),
                organization=org,
                locale=spec.get("locale"),
                password=password,
                actor=None,
            )
        if not user.is_admin and not any(held.fund_id == fund.id for held in user.fund_roles):
            grant_role(user, fund, Role(spec["role"]), actor=None)
        users.append(user)
    db.session.flush()
    return users


def seed_demo(password: str) -> SeedReport:
    """Load everything the demo needs; a second run finds it all in place and adds nothing.

    The domain steps run in the order of the programme cycle: proposals are written and
    screened, donors contribute, the Steering Committee decides (approvals allocate money),
    funds are transferred, programmes report results.
    """
    fund = seed_fund()
    report = SeedReport(fund=fund)
    seed_organizations(fund)
    report.users = seed_users(fund, password)
    report.lines.append(
        f"Fund {fund.code}: {len(fund.thematic_areas)} thematic areas, {len(fund.objectives)} objectives."
    )
    report.lines.append(f"{len(report.users)} demo accounts.")
    with paused():  # the demo's history is not e-mailed; its latest events fill the bells afterwards
        for step in (seed_proposals, seed_first_call_notes, seed_calls, seed_contributions, seed_steering,
                     seed_transfers, seed_results, seed_concept_notes):  # fmt: skip
            report.lines.extend(step(fund))
    report.lines.extend(seed_notifications(fund))
    report.lines.extend(seed_deadlines(fund))
    return report
