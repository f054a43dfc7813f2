"""The schema comes only from the migrations, and they match the models."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
import yaml
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from fundmgr import MIGRATIONS, clock
from fundmgr.accounts import operations as account_operations
from fundmgr.accounts.models import Role, TokenScope, User
from fundmgr.db import ScaledDecimal, db
from fundmgr.funds.models import Fund
from fundmgr.proposals.models import ProposalState, ProposalVersion
from fundmgr.proposals.snapshot import SnapshotColumn
from fundmgr.steering.models import Meeting, MinutesState, PortfolioRun
from tests.support.database import app_on_new_database
from tests.support.migrations import revisions_read_once

# One process runs those of one engine: it walks the demo they downgrade down the migrations once (see
# downgrade_demo); spread over the workers, each would walk it down again. The two engines' halves are two groups
# (tests/conftest.py, PER_ENGINE_GROUPS), which the two workers run side by side. Each revision's data migration is
# checked on both engines.
pytestmark = [pytest.mark.xdist_group("migrations"), pytest.mark.both_engines]


@pytest.fixture(autouse=True)
def read_once() -> Iterator[None]:
    """Each Alembic command reads the revision files only once per process (tests.support.migrations)."""
    with revisions_read_once():
        yield


def test_models_and_migrations_agree(app):
    """Does the migrated database hold exactly what the models declare?"""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_one_head():
    """Is the migration history a single line (no unmerged branches)?"""
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1


def allocated(connection: sa.Connection) -> dict[int, Decimal]:
    """Each proposal's allocated money (not its allocation rows: a downgrade below the top-ups, 01482030c4d1, folds
    a top-up's allocation into its organization's first, the same money in one row fewer)."""
    allocations = sa.table("allocations", sa.column("proposal_id"), sa.column("total"))
    query = sa.select(allocations.c.proposal_id, sa.func.sum(allocations.c.total)).group_by(allocations.c.proposal_id)
    return {proposal_id: Decimal(str(total)) for proposal_id, total in connection.execute(query).all()}


@pytest.fixture
def own_database(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on an empty database of its own, not the one the other tests share."""
    with app_on_new_database(backend, tmp_path) as app:
        yield app


def test_upgrade_downgrade_upgrade(own_database: Flask):
    """Can an empty database be migrated up, all the way down, and up again?"""
    with own_database.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        assert "users" in db.inspect(db.engine).get_table_names()


def every_row() -> dict[str, list[str]]:
    """Every row of every table of the database (as text, in an order of their own)."""
    with db.engine.connect() as connection:
        return {
            name: sorted(repr(tuple(row)) for row in connection.execute(sa.text(f'SELECT * FROM "{name}"')))
            for name in sa.inspect(connection).get_table_names()
        }


def test_the_demo_walked_down_once_holds_what_its_downgrade_gives(committed, own_demo, downgrade_demo):
    """downgrade_demo, which the tests of the demo's data start from, gives the very rows of every table that a
    downgrade of the demo from the head gives (down to the lowest revision those tests start from)."""
    with own_demo.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE_VOCABULARY)
        downgraded = every_row()
        assert downgraded["proposals"]
        downgrade_demo(BEFORE_VOCABULARY)
        assert every_row() == downgraded


# --- b439c5f5ca48: stored proposal snapshots labelled with their schema version ---

BEFORE_SCHEMA_VERSION = "707a5821fef5"
INDICATOR = {
    "name": "Number of officials trained",
    "unit": "persons",
    "baseline": "0",
    "target": "200",
    "means_of_verification": "Training attendance records",
    "disaggregation": ["sex"],
}
# A snapshot as the released code froze it, before snapshots said which schema version they follow.
UNLABELLED_SNAPSHOT: dict[str, Any] = {
    "reference": "MIG-2026-0007",
    "title": "Safe labour migration corridors",
    "summary": "Strengthening migration governance with government and civil society partners.",
    "country": "TJK",
    "region": None,
    "countries": [],
    "primary_area": "TA2",
    "objectives": [5, 6],
    "principles": ["people_centred", "human_rights"],
    "duration_months": 24,
    "start_date": "2027-01-01",
    "government_endorsement": True,
    "markers": {"gender": {"level": 2, "justification": "Explained in section 4."}},
    "lead": "IOM",
    "participants": [
        {
            "organization_id": 1,
            "code": "IOM",
            "lead": True,
            "indirect_rate": "0.070000",
            "direct": "700000.00",
            "indirect": "49000.00",
            "total": "749000.00",
        },
        {
            "organization_id": 2,
            "code": "UNHCR",
            "lead": False,
            "indirect_rate": "0.070000",
            "direct": "500000.00",
            "indirect": "35000.00",
            "total": "535000.00",
        },
    ],
    "budget": {
        "years": 2,
        "lines": [
            {"organization_id": 1, "organization": "IOM", "category": "staff", "year": 1, "amount": "350000.00"},
            {"organization_id": 1, "organization": "IOM", "category": "staff", "year": 2, "amount": "350000.00"},
            {"organization_id": 2, "organization": "UNHCR", "category": "staff", "year": 1, "amount": "500000.00"},
        ],
    },
    "totals": {"direct": "1200000.00", "indirect": "84000.00", "total": "1284000.00"},
    "matrix": [
        {
            "statement": "Migrants access services safely.",
            "indicators": [],
            "outputs": [{"statement": "Service providers trained.", "indicators": [INDICATOR]}],
        }
    ],
    "attachments": [
        {"id": 3, "kind": "endorsement_letter", "filename": "letter.pdf", "size": 1024, "sha256": "ab" * 32}
    ],
}


# Columns a later revision dropped, which the revisions these tests start from still hold.
DROPPED = {
    "users": [("constituency", sa.String(40))],
    "funds": [("quorum_share", ScaledDecimal(12, 6))],
    "meetings": [("quorum_share", ScaledDecimal(12, 6))],
}


def as_stored(name: str, *, before_drops: bool = False) -> sa.TableClause:
    """A table as the database holds it: a snapshot is plain JSON, not read through the model; `before_drops`: with
    the columns later revisions dropped (to write rows at an earlier revision)."""
    table = db.metadata.tables[name]
    columns = [sa.column(c.name, sa.JSON() if isinstance(c.type, SnapshotColumn) else c.type) for c in table.columns]
    dropped = [sa.column(column, kind) for column, kind in DROPPED.get(name, [])] if before_drops else []
    return sa.table(name, *columns, *dropped)


def as_it_was(connection: sa.Connection, name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows copied from today's database, with only the columns the table has at the revision the test stands on
    (later revisions add some: funds.iati, the reporting calendar, the closure settings...)."""
    existing = {column["name"] for column in sa.inspect(connection).get_columns(name)}
    return [{key: value for key, value in row.items() if key in existing} for row in rows]


def store_versions(connection: sa.Connection, shared: dict[str, dict[str, Any]], *snapshots: dict) -> None:
    """A proposal with one version per snapshot, stored as given (its fund and organization copied)."""
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    money = {
        "direct_total": Decimal("1200000.00"),
        "indirect_total": Decimal("84000.00"),
        "total": Decimal("1284000.00"),
    }
    rows = {
        **shared,
        "users": {"id": 1, "email": "lead@example.org", "name": "Lead", "password_hash": "-", "role": Role.agency,
                  "organization_id": shared["organizations"]["id"], "is_active_account": True,
                  "session_token": "t", "created_at": now},
        "proposals": {"id": 1, "fund_id": shared["funds"]["id"], "reference": "MIG-2026-0007",
                      "state": ProposalState.in_review, "title": "Safe labour migration corridors", "summary": "",
                      "government_endorsement": True, "created_by_id": 1, "created_at": now, "updated_at": now,
                      "version_count": len(snapshots), "total_amount": Decimal("1284000.00"),
                      "withdrawal_reason": ""},
    }  # fmt: skip
    for name, row in rows.items():
        connection.execute(as_stored(name, before_drops=True).insert(), as_it_was(connection, name, [row]))
    connection.execute(
        as_stored("proposal_versions").insert(),
        [
            {"id": n, "proposal_id": 1, "number": n, "submitted_at": now, "submitted_by_id": 1, "snapshot": snapshot,
             **money}
            for n, snapshot in enumerate(snapshots, start=1)
        ],
    )  # fmt: skip


def stored_snapshots() -> dict[int, dict[str, Any]]:
    with db.engine.connect() as connection:
        table = as_stored("proposal_versions")
        return dict(connection.execute(sa.select(table.c.id, table.c.snapshot).order_by(table.c.id)).all())


@pytest.fixture
def fund_rows() -> dict[str, dict[str, Any]]:
    """The bundled fund's row and IOM's, from the shared test database, to copy into another."""
    rows = {}
    for name, condition in (("funds", "code = 'MIG'"), ("organizations", "code = 'IOM'")):
        table = as_stored(name)
        rows[name] = dict(db.session.execute(sa.select(table).where(sa.text(condition))).mappings().one())
    # as the fund was stored before 5d2e8a41c9f3 (the revisions these tests start from)
    rows["funds"]["quorum_share"] = Decimal("0.5")
    del rows["funds"]["participants_title"]  # added by 04dc1252768a
    for column in ("objectives_title", "disaggregations"):
        del rows["funds"][column]
    targets = rows["funds"]["targets"]
    share = targets.pop("marker_share")
    targets |= {"gender_marker_min_level": share["min_level"], "gender_marker_share": share["share"]}
    return rows


def test_upgrade_labels_stored_snapshots_which_then_read_as_the_model(own_database, fund_rows):
    """Do snapshots frozen before schema versions get labelled version 1, read back whole, and lose it on downgrade?"""
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_SCHEMA_VERSION)
        revised = copy.deepcopy(UNLABELLED_SNAPSHOT) | {"title": "Safe labour migration corridors (revised)"}
        with db.engine.begin() as connection:
            store_versions(connection, fund_rows, UNLABELLED_SNAPSHOT, revised)

        flask_migrate.upgrade()
        labelled = {"schema_version": 1, **UNLABELLED_SNAPSHOT}
        # 3: the concept note derived for the proposal (bf8cde206288) is submitted with a copy of its first version
        assert stored_snapshots() == {1: labelled, 2: {"schema_version": 1, **revised}, 3: labelled}
        with so.Session(db.engine) as session:
            first, second = session.scalars(sa.select(ProposalVersion).order_by(ProposalVersion.id).limit(2))
            assert first.snapshot.stored() == labelled
            assert first.snapshot.totals.total == Decimal("1284000.00")
            assert first.snapshot.matrix[0].outputs[0].indicators[0].target == Decimal("200")
            assert second.snapshot.title == "Safe labour migration corridors (revised)"

        flask_migrate.downgrade(revision=BEFORE_SCHEMA_VERSION)
        assert stored_snapshots() == {1: UNLABELLED_SNAPSHOT, 2: revised, 3: UNLABELLED_SNAPSHOT}


def test_upgrade_refuses_a_malformed_snapshot_and_changes_nothing(own_database, fund_rows, caplog):
    """Does a stored snapshot with a renamed key stop the upgrade, named, before any row is changed?"""
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_SCHEMA_VERSION)
        renamed = copy.deepcopy(UNLABELLED_SNAPSHOT)
        renamed["participants"][1]["amount"] = renamed["participants"][1].pop("total")
        with db.engine.begin() as connection:
            store_versions(connection, fund_rows, UNLABELLED_SNAPSHOT, renamed)

        with pytest.raises(SystemExit):
            flask_migrate.upgrade()
        assert "proposal version 2: snapshot.participants[1].total is missing" in caplog.text
        assert "proposal version 2: snapshot.participants[1].amount is not in schema version 1" in caplog.text
        assert stored_snapshots() == {1: UNLABELLED_SNAPSHOT, 2: renamed}
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == BEFORE_SCHEMA_VERSION


# --- 5d2e8a41c9f3: the fund's word for its objectives, its disaggregations, the marker of its share target ---

BEFORE_VOCABULARY = "080c704b96e4"


def stored_fund() -> dict[str, Any]:
    with db.engine.connect() as connection:
        columns = [sa.column(name, sa.JSON) for name in ("targets", "objectives_title", "disaggregations")]
        table = sa.table("funds", *columns)
        return dict(connection.execute(sa.select(table)).mappings().one())


def test_upgrade_keeps_what_existing_funds_showed_and_their_proposals(own_database, fund_rows):
    """Does a fund stored before keep the GCM title, its four disaggregations and gender target, losing nothing?"""
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_VOCABULARY)
        with db.engine.begin() as connection:
            store_versions(connection, fund_rows, {"schema_version": 1, **UNLABELLED_SNAPSHOT})
            connection.execute(
                as_stored("organizations").insert(),
                [{"id": 2, "code": "CSO-MRC", "kind": "civil_society", "acronym": {"en": "MRC"},
                  "name": {"en": "Migrant Rights Coalition"}}],
            )  # fmt: skip
        old_targets = fund_rows["funds"]["targets"]

        flask_migrate.upgrade()
        stored = stored_fund()
        assert stored["objectives_title"]["en"] == "GCM objectives"
        assert [d["code"] for d in stored["disaggregations"]] == ["sex", "age", "migratory_status", "disability"]
        assert stored["targets"]["marker_share"] == {"marker": "gender", "min_level": 2, "share": "0.80"}
        assert "gender_marker_share" not in stored["targets"]
        with so.Session(db.engine) as session:  # the fund's proposal is still there (no rebuild cascaded)
            # the proposal's first version (the second is its derived concept note's copy, bf8cde206288)
            version = session.scalars(sa.select(ProposalVersion).order_by(ProposalVersion.id)).first()
            assert version.proposal.fund.target_marker is None  # markers are not copied in this test
            assert version.proposal.fund.marker_share["marker"] == "gender"
            assert version.proposal.fund.disaggregation_title("migratory_status") == "Migratory status"
            # the only fund's civil-society partner is its own; IOM (shared reference data) is not
            assert [o.code for o in version.proposal.fund.own_organizations] == ["CSO-MRC"]

        flask_migrate.downgrade(revision=BEFORE_VOCABULARY)
        with db.engine.connect() as connection:
            table = sa.table("funds", sa.column("targets", sa.JSON))
            assert connection.execute(sa.select(table.c.targets)).scalar_one() == old_targets
            # the proposal's version and its concept note's, kept by a downgrade
            assert connection.execute(sa.text("SELECT count(*) FROM proposal_versions")).scalar_one() == 2


def test_the_demo_comes_through_a_downgrade_and_upgrade_of_the_fund_vocabulary(committed, own_demo, downgrade_demo):
    """With the whole demo: does 5d2e8a41c9f3 give back the same fund, organizations and proposals it was given?"""
    own = sa.table("fund_own_organizations", sa.column("organization_id"))
    organizations = sa.table("organizations", sa.column("id"), sa.column("kind"))

    tables = ("proposals", "proposal_versions", "organizations", "thematic_areas", "markers")

    def state() -> dict[str, Any]:
        with db.engine.connect() as connection:
            counted = {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                       for name in tables}  # fmt: skip
            return counted | {"fund": stored_fund()}

    with own_demo.app_context():
        db.session.remove()
        upgraded = state()
        with db.engine.connect() as connection:
            demo_own = set(connection.execute(sa.select(own.c.organization_id)).scalars())
        downgrade_demo(BEFORE_VOCABULARY)
        with db.engine.connect() as connection:
            targets = connection.execute(sa.select(sa.table("funds", sa.column("targets", sa.JSON)))).scalar_one()
        assert (targets["gender_marker_min_level"], targets["gender_marker_share"]) == (2, "0.80")

        flask_migrate.upgrade()
        assert state() == upgraded
        with db.engine.connect() as connection:
            derived = set(connection.execute(sa.select(own.c.organization_id)).scalars())
            kinds = set(
                connection.execute(sa.select(organizations.c.kind).where(organizations.c.id.in_(derived))).scalars()
            )
        assert derived == demo_own  # the demo's civil-society partners and governments, found again by their kind
        assert kinds == {"civil_society", "government"}


# --- 5c1d7e2a9f30: positions under consensus; the votes of consensus funds become positions ---

BEFORE_POSITIONS = "5d2e8a41c9f3"
# The votes the demo's members would have cast before positions existed, from the positions it now states.
VOTE_OF = {"support": "approve", "reservation": "approve_with_conditions", "object": "reject",
           "stand_aside": "abstain"}  # fmt: skip


def test_upgrade_turns_the_demos_votes_into_positions_and_keeps_the_votes(committed, own_demo, downgrade_demo):
    """(`committed`: the demo is seeded through the session, not in the shared test transaction.)
    The demo at the previous head, its committee having voted: each vote becomes the member's position (approve:
    support, with conditions: a reservation, reject: an objection, abstain: stand aside), none minuted by name,
    the votes kept; a fund deciding by majority keeps its votes only; the downgrade drops the positions alone."""
    with own_demo.app_context():
        positions = sa.table("positions", *(sa.column(c) for c in ("item_id", "member_id", "stance", "text",
                                                                 "minute_by_name")))  # fmt: skip
        votes = sa.table("votes", sa.column("id"))
        with db.engine.connect() as connection:
            stated = connection.execute(sa.select(positions.c.item_id, positions.c.member_id, positions.c.stance)).all()
        assert len(stated) > 60
        downgrade_demo(BEFORE_POSITIONS)
        assert "positions" not in db.inspect(db.engine).get_table_names()
        with db.engine.begin() as connection:  # the votes the members cast (the downgrades keep votes as they are)
            connection.execute(
                sa.text("INSERT INTO votes (item_id, member_id, choice, cast_at) VALUES (:item, :member, :vote, :at)"),
                [{"item": i, "member": m, "vote": VOTE_OF[s], "at": datetime(2026, 1, 5, tzinfo=UTC)}
                 for i, m, s in stated],
            )  # fmt: skip

        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.select(positions.c.item_id, positions.c.member_id, positions.c.stance,
                                                positions.c.text, positions.c.minute_by_name)).all()  # fmt: skip
            kept = connection.scalar(sa.select(sa.func.count()).select_from(votes))
        assert sorted((i, m, s) for i, m, s, _t, _n in rows) == sorted(stated)
        assert {(t, n) for *_rest, t, n in rows} == {("", False)}
        assert kept == len(stated)

        flask_migrate.downgrade(revision=BEFORE_POSITIONS)
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE funds SET decision_rule = 'majority'"))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(positions)) == 0
            assert connection.scalar(sa.select(sa.func.count()).select_from(votes)) == len(stated)


# --- 1c45176e08cf: expenditure by participating organizations ---

BEFORE_EXPENDITURE = "cb782e6b153c"


def test_the_demo_comes_through_a_downgrade_and_upgrade_of_expenditure(committed, own_demo, downgrade_demo):
    """With the whole demo at the previous head: does the upgrade keep every allocation, transfer and ledger line,
    start with no expenditure (organizations report from now on), then take the organizations' reports again?"""
    from fundmgr.finance.models import rebuild_expenditure_totals
    from fundmgr.finance.queries import balances
    from fundmgr.funds.models import Fund

    tables = ("proposals", "transfers", "ledger_entries", "audit_entries")

    def counts() -> dict[str, Any]:
        with db.engine.connect() as connection:
            # the direct costs a matter of the fund charged go with it below 0131edfac1ad
            return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name, sa.column("kind")))
                                             .where(sa.column("kind") != "direct_costs" if name == "ledger_entries"
                                                    else sa.true())).scalar_one()
                    for name in tables} | {"allocated": allocated(connection)}  # fmt: skip

    def spent() -> dict[str, Any]:
        db.session.expire_all()
        return {fund.code: balances(fund).expenditure for fund in db.session.scalars(sa.select(Fund))}

    with own_demo.app_context():
        db.session.remove()
        before, reported = counts(), spent()
        with db.engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(sa.text("SELECT * FROM expenditures")).mappings()]
        assert rows
        assert sum(reported.values()) > 0
        db.session.remove()
        downgrade_demo(BEFORE_EXPENDITURE)
        assert "expenditures" not in db.inspect(db.engine).get_table_names()

        flask_migrate.upgrade()
        assert counts() == before
        assert set(spent().values()) == {0}
        db.session.remove()
        columns = ", ".join(rows[0])
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(f"INSERT INTO expenditures ({columns}) VALUES ({', '.join(':' + c for c in rows[0])})"), rows
            )
            if connection.dialect.name == "postgresql":  # the ids were given: the next report takes the one after
                connection.execute(sa.text("SELECT setval('expenditures_id_seq', (SELECT max(id) FROM expenditures))"))
            # written past `record_expenditure`, as bulk rows are: their kept totals summed afresh (DEVELOPERS.md)
            rebuild_expenditure_totals(connection)
        assert spent() == reported


# --- 6db3657340ed: roles held per fund ---

BEFORE_FUND_ROLES = "5c1d7e2a9f30"


@pytest.fixture
def shared_rows() -> dict[str, list[dict[str, Any]]]:
    """The bundled fund's row and every organization's, from the shared test database, to copy into another."""
    rows = {
        name: [dict(row) for row in db.session.execute(sa.select(as_stored(name))).mappings()]
        for name in ("funds", "organizations")
    }
    for fund in rows["funds"]:
        fund["quorum_share"] = Decimal("0.5")  # as stored before 04dc1252768a dropped it
        del fund["participants_title"]  # which 04dc1252768a added
    return rows


# users.constituency, before the seats held said it, of the demo's seat codes
OLD_CONSTITUENCIES = {"CHAIR": "chair", "UN-": "un_network", "MS-DONOR-": "donor", "MS-CHAMPION-": "member_state",
                      "CSO-": "stakeholder"}  # fmt: skip


def old_constituency(seat: str | None) -> str | None:
    return next((old for prefix, old in OLD_CONSTITUENCIES.items() if seat and seat.startswith(prefix)), None)


def test_upgrade_keeps_every_demo_persons_rights_on_every_fund(own_database: Flask, shared_rows):
    """Do the demo's people, one role each before the revision, hold that role on every fund loaded after it?"""
    from fundmgr.funds import rights
    from fundmgr.funds.models import Fund
    from fundmgr.scenario import demo_data

    # the demo's people of every role there was at that revision (9971a1b9b8d3 added technical reviewers)
    then = [spec for spec in demo_data()["users"] if spec["role"] != Role.technical_reviewer.value]
    people = {spec["email"]: Role(spec["role"]) for spec in then}
    assert Role.admin in people.values()
    assert set(people.values()) == set(Role) - {Role.technical_reviewer}
    (mig,) = shared_rows["funds"]
    second = {**mig, "id": mig["id"] + 1, "code": "SDF"}
    organizations = {row["code"]: row["id"] for row in shared_rows["organizations"]}
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_FUND_ROLES)
        with db.engine.begin() as connection:  # as the released code stored them: one role on users, nothing else
            connection.execute(as_stored("organizations").insert(), shared_rows["organizations"])
            connection.execute(
                as_stored("funds", before_drops=True).insert(), as_it_was(connection, "funds", [mig, second])
            )
            connection.execute(
                as_stored("users", before_drops=True).insert(),
                [
                    {"email": spec["email"], "name": spec["name"], "password_hash": "-", "role": Role(spec["role"]),
                     "organization_id": organizations.get(spec["organization"], organizations["IOM"]),
                     "constituency": old_constituency(spec.get("seat")),
                     "is_active_account": True, "session_token": "t", "created_at": datetime(2026, 12, 1, tzinfo=UTC)}
                    for spec in then
                ],
            )  # fmt: skip

        flask_migrate.upgrade()
        with so.Session(db.engine) as session:
            funds = list(session.scalars(sa.select(Fund)))
            users = list(session.scalars(sa.select(User)))
            assert len(funds) == 2
            assert len(users) == len(people)
            for user in users:
                for fund in funds:
                    assert rights.role_on(user, fund) is people[user.email], (user.email, fund.code)
            for fund in funds:
                fmu = set(session.scalars(sa.select(User.email).where(rights.holding(fund, Role.fmu))))
                assert fmu == {email for email, role in people.items() if role is Role.fmu}
            held = session.scalar(sa.text("SELECT count(*) FROM fund_roles"))
            assert held == 2 * sum(role is not Role.admin for role in people.values())

        flask_migrate.downgrade(revision=BEFORE_FUND_ROLES)
        assert "fund_roles" not in db.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM users")) == len(people)


# --- cb782e6b153c: the committee's seats and terms, who presided over an item ---

BEFORE_SEATS = "6db3657340ed"


def test_upgrade_seats_the_members_and_records_the_chair_as_presiding(own_database, fund_rows):
    """Do existing members get a seat of their constituency with a current term, and decided items the chair as the
    one who presided?"""
    from fundmgr.funds.seats import CommitteeRules, SeatTerm

    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_SEATS)
        with db.engine.begin() as connection:
            store_versions(connection, fund_rows, UNLABELLED_SNAPSHOT)
            members = [(2, "Helena Chair", "chair"), (3, "Jonas Germany", "donor"), (4, "Karim UNHCR", "un_network"),
                       (5, "Yasmine Morocco", "member_state"), (6, "Grace Stakeholder", "stakeholder")]  # fmt: skip
            connection.execute(
                as_stored("users", before_drops=True).insert(),
                [{"id": n, "email": f"m{n}@example.org", "name": name, "password_hash": "-", "role": Role.sc_member,
                  "constituency": constituency, "organization_id": fund_rows["organizations"]["id"],
                  "is_active_account": True, "session_token": f"t{n}", "created_at": now}
                 for n, name, constituency in members],
            )  # fmt: skip
            connection.execute(as_stored("meetings").insert(), [
                {"id": 1, "fund_id": fund_rows["funds"]["id"], "reference": "MIG-SC-2026-01", "title": "SC 12",
                 "held_on": now.date(), "mode": "virtual", "location": "", "language": "en", "state": "closed",
                 "created_at": now},
            ])  # fmt: skip
            connection.execute(as_stored("agenda_items").insert(), [
                {"id": 1, "meeting_id": 1, "position": 1, "proposal_id": 1, "version_id": 1, "state": "decided"},
            ])  # fmt: skip

        flask_migrate.upgrade()
        with so.Session(db.engine) as session:
            terms = session.scalars(sa.select(SeatTerm).order_by(SeatTerm.holder_id)).all()
            assert [(t.holder_id, t.seat.code, t.ends_on) for t in terms] == [
                (2, "CHAIR", None), (3, "MS-DONOR-1", None), (4, "UN-1", None), (5, "MS-CHAMPION-1", None),
                (6, "CSO-1", None),
            ]  # fmt: skip
            assert session.scalar(sa.select(CommitteeRules.quorum_voting_seats)) == 3
            assert session.scalar(sa.select(as_stored("agenda_items").c.presided_by_id)) == 2

            # the next load of the definition applies its committee: section (the seat codes above are its own)
            assert session.scalar(sa.select(as_stored("funds").c.definition_sha256)) == ""

        flask_migrate.downgrade(revision=BEFORE_SEATS)
        assert "seat_terms" not in db.inspect(db.engine).get_table_names()


# --- 8b41e6c2d7a5: one official set of minutes per meeting ---

BEFORE_MINUTES = "1c45176e08cf"


def test_upgrade_drafts_the_minutes_of_every_meeting_that_has_ended(committed, own_demo, downgrade_demo):
    """The demo at the previous head: each ended meeting gets its minutes as a draft, drafted when it ended (nothing
    was approved before); meetings not held get none; the app reads them as drafts."""
    meetings = sa.table("meetings", sa.column("id"), sa.column("state"),
                        sa.column("ended_at", sa.DateTime(timezone=True)))  # fmt: skip
    minutes = sa.table("minutes", sa.column("meeting_id"), sa.column("state"), sa.column("summary"),
                       sa.column("drafted_at", sa.DateTime(timezone=True)))  # fmt: skip
    with own_demo.app_context():
        downgrade_demo(BEFORE_MINUTES)
        assert "minutes" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            ended = connection.execute(
                sa.select(meetings.c.id, meetings.c.ended_at).where(meetings.c.state == "closed")
            ).all()
            drafted = connection.execute(
                sa.select(minutes.c.meeting_id, minutes.c.drafted_at, minutes.c.state, minutes.c.summary)
            ).all()
            held = connection.scalar(sa.select(sa.func.count()).select_from(meetings))
        assert len(ended) == 7  # the demo's first call decided at its 1st meeting, six more after it
        assert held == 8
        assert sorted((m, at) for m, at, _s, _t in drafted) == sorted(ended)
        assert {(s, t) for *_rest, s, t in drafted} == {("draft", "")}
        meeting = db.session.get(Meeting, ended[0][0])
        assert meeting.minutes.state is MinutesState.draft
        db.session.remove()


# --- e7a3c9d14b62: personal API tokens ---

BEFORE_API_TOKENS = "8b41e6c2d7a5"


def test_upgrade_adds_api_tokens_and_the_demo_people_can_make_one(committed, own_demo, downgrade_demo):
    """The demo at the previous head: the upgrade adds an empty token table, keeps every account, and a demo person
    then makes a token that opens the API, and revokes it."""
    with own_demo.app_context():
        people = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.remove()
        downgrade_demo(BEFORE_API_TOKENS)
        assert "api_tokens" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        assert "api_tokens" in db.inspect(db.engine).get_table_names()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == people
        user = db.session.scalar(sa.select(User).where(User.email == "nadia.rahman@fundmgr.example"))
        token, secret = account_operations.create_api_token(
            user, name="ERP", scope=TokenScope.read, days=30, actor=user
        )
        db.session.commit()
        answer = own_demo.test_client().get("/api/v1/funds", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200
        assert [fund["code"] for fund in answer.json["items"]] == ["MIG"]
        account_operations.revoke_api_token(db.session.merge(token), actor=db.session.merge(user))
        db.session.commit()
        assert (
            own_demo.test_client().get("/api/v1/funds", headers={"Authorization": f"Bearer {secret}"}).status_code
            == 401
        )
        db.session.remove()


# --- 3f9a7c2e51b4: the decision record, a chain of the committee's decisions per fund ---

BEFORE_DECISION_RECORD = "04dc1252768a"


def test_upgrade_chains_the_demos_decisions_in_the_order_they_were_taken(committed, own_demo, downgrade_demo):
    """The demo at the previous head: every decision and approval of minutes gets its link, per fund in the order
    they were taken, and `verify-decisions` passes on the result."""
    from fundmgr.steering.models import Decision, DecisionRecord, RecordKind
    from fundmgr.steering.records import GENESIS

    with own_demo.app_context():
        # the matters of the fund go below 0131edfac1ad (its decisions table cannot hold them)
        before = {(d.reference, d.decided_on) for d in db.session.scalars(sa.select(Decision)) if not d.is_matter}
        db.session.remove()
        downgrade_demo(BEFORE_DECISION_RECORD)
        assert "decision_records" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        links = db.session.scalars(sa.select(DecisionRecord).order_by(DecisionRecord.fund_id, DecisionRecord.sequence))
        links = list(links)
        decided = [link.decision for link in links if link.kind is RecordKind.decision]
        assert {(d.reference, d.decided_on) for d in decided} == before
        assert [d.decided_on for d in decided] == sorted(d.decided_on for d in decided)
        assert any(link.kind is RecordKind.minutes for link in links)
        assert [link.previous_hash for link in links] == [GENESIS] + [link.record_hash for link in links[:-1]]
        db.session.remove()
        result = own_demo.test_cli_runner().invoke(args=["verify-decisions"])
        assert result.exit_code == 0, result.output
        assert f"OK: {len(links)} records verified." in result.output


BEFORE_PORTFOLIO_RUNS = "e7a3c9d14b62"


def test_the_demo_comes_through_a_downgrade_and_upgrade_of_portfolio_runs(committed, own_demo, downgrade_demo):
    """The demo at the previous head upgrades with no proposal computed yet, and the app then stores one."""
    with own_demo.app_context():
        downgrade_demo(BEFORE_PORTFOLIO_RUNS)
        assert "portfolio_runs" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PortfolioRun)) == 0
        fund = db.session.scalars(sa.select(Fund)).first()
        run = PortfolioRun(fund=fund, budget=Decimal("10.05"), feasible=True, rules={}, candidates=[], result={})
        db.session.add(run)
        db.session.flush()
        assert db.session.get(PortfolioRun, run.id).budget == Decimal("10.05")
        db.session.rollback()


# --- 3f7a9c2e5b14: calls for proposals ---

BEFORE_CALLS = "4f7a2c9e1b36"


def test_the_demo_comes_through_a_downgrade_and_upgrade_of_calls(committed, own_demo, downgrade_demo):
    """The demo at the previous head (no calls): does the upgrade keep every proposal as it was, answering no call,
    and can a call then be opened and the proposals attached, as the app does?"""
    from fundmgr.calls.demo import seed_calls
    from fundmgr.funds.models import Fund
    from fundmgr.proposals.models import Proposal

    proposals = sa.table("proposals", sa.column("id"), sa.column("state"), sa.column("total_amount"))
    hanging = ("participants", "budget_lines", "proposal_versions", "matrix_outcomes", "agenda_items")

    def rows() -> tuple[Any, dict[str, Any]]:
        with db.engine.connect() as connection:
            listed = connection.execute(sa.select(proposals).order_by(proposals.c.id)).all()
            return listed, {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
                            .scalar_one() for name in hanging} | {"allocated": allocated(connection)}  # fmt: skip

    with own_demo.app_context():
        before = rows()
        db.session.remove()
        downgrade_demo(BEFORE_CALLS)
        inspector = db.inspect(db.engine)
        assert "calls" not in inspector.get_table_names()
        if db.engine.dialect.name != "sqlite":  # SQLite keeps the empty column (no table rebuild)
            assert "call_id" not in {c["name"] for c in inspector.get_columns("proposals")}
        assert rows() == before

        flask_migrate.upgrade()
        assert rows() == before
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM proposals WHERE call_id IS NOT NULL")) == 0
            assert connection.scalar(sa.text("SELECT count(*) FROM calls")) == 0
        fund = db.session.scalar(sa.select(Fund).where(Fund.code == "MIG"))
        assert seed_calls(fund)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).where(Proposal.call_id.is_not(None))) > 0
        db.session.remove()


# --- 3f7a9c2e5b18: the fund's IATI publication settings ---

BEFORE_IATI = "3f7a9c2e5b14"


def test_upgrade_gives_existing_funds_an_empty_iati_section_and_keeps_them(own_database):
    """A fund stored before: does it come through with nothing published to IATI until its file is loaded again?"""
    stored = dict(db.session.execute(sa.select(as_stored("funds")).where(sa.text("code = 'MIG'"))).mappings().one())
    assert stored.pop("iati")  # the shared database's fund was loaded from the file, which publishes
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_IATI)
        with db.engine.begin() as connection:
            # as the fund stood then: the columns of that revision, the quorum share a later one dropped
            row = as_it_was(connection, "funds", [stored | {"quorum_share": Decimal("0.5")}])
            connection.execute(as_stored("funds", before_drops=True).insert(), row)
        flask_migrate.upgrade()
        with so.Session(db.engine) as session:
            fund = session.scalars(sa.select(Fund)).one()
            assert (fund.code, fund.iati) == ("MIG", {})
        flask_migrate.downgrade(revision=BEFORE_IATI)
        assert "iati" not in {c["name"] for c in db.inspect(db.engine).get_columns("funds")}
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT code FROM funds")).scalar_one() == "MIG"


# --- a6d2b8e41f07: implementation dates follow reality; the fund's reporting calendar ---

BEFORE_PROGRAMME_DATES = "3f7a9c2e5b18"


def test_upgrade_starts_each_paid_programme_on_its_first_transfer_and_redraws_its_periods(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head, its unreported programmes put back on their planned dates (a year later, as
    before this change): the upgrade counts each programme's duration, starts every paid programme on its first
    transfer with its end and calendar-year periods following, and keeps every period that has a report."""
    from datetime import date, timedelta

    from fundmgr.funds.calendar import ReportingCalendar
    from fundmgr.funds.models import Fund
    from fundmgr.results.models import Programme
    from fundmgr.results.schedule import calendar_periods

    programmes = sa.table("programmes", sa.column("id"), sa.column("proposal_id"), sa.column("start_date", sa.Date),
                          sa.column("end_date", sa.Date))  # fmt: skip
    periods = sa.table("reporting_periods", sa.column("id"), sa.column("programme_id"), sa.column("number"),
                       sa.column("start_date", sa.Date), sa.column("end_date", sa.Date))  # fmt: skip
    reports = sa.table("progress_reports", sa.column("period_id"))
    first_transfer = sa.text(
        "SELECT a.proposal_id, MIN(t.on_date) FROM transfers t JOIN allocations a ON a.id = t.allocation_id "
        "GROUP BY a.proposal_id"
    )

    def as_date(value: Any) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    with own_demo.app_context():
        db.session.remove()
        with db.engine.connect() as connection:
            at_head = dict(connection.execute(sa.text("SELECT id, duration_months FROM programmes")).tuples().all())
            # an approved extension lengthens the dates; going below the closure revision forgets it, so the
            # upgrade counts that programme's duration from its longer dates
            extended = set(
                connection.execute(sa.text("SELECT programme_id FROM extensions WHERE state = 'approved'")).scalars()
            )
        downgrade_demo(BEFORE_PROGRAMME_DATES)
        assert "start_source" not in {c["name"] for c in db.inspect(db.engine).get_columns("programmes")}
        with db.engine.begin() as connection:
            paid = {p: as_date(d) for p, d in connection.execute(first_transfer)}
            # one paid programme as a new one would be: no report yet (its reports' rows go with them)
            fresh = (
                connection.execute(
                    sa.select(programmes.c.id).where(programmes.c.proposal_id.in_(list(paid))).order_by(programmes.c.id)
                )
                .scalars()
                .first()
            )
            fresh_periods = sa.select(periods.c.id).where(periods.c.programme_id == fresh)
            connection.execute(reports.delete().where(reports.c.period_id.in_(fresh_periods)))
            reported = {row[0] for row in connection.execute(sa.select(reports.c.period_id))}
            kept = {row.id: tuple(row) for row in connection.execute(sa.select(periods)) if row.id in reported}
            with_reports = {row[1] for row in kept.values()}
            moved = []
            for row in connection.execute(sa.select(programmes)).all():
                if row.proposal_id in paid and row.id not in with_reports:
                    planned = (row.start_date + timedelta(days=365), row.end_date + timedelta(days=365))
                    connection.execute(programmes.update().where(programmes.c.id == row.id)
                                       .values(start_date=planned[0], end_date=planned[1]))  # fmt: skip
                    moved.append(row.id)
        assert moved, "the demo has paid programmes without reports"

        flask_migrate.upgrade()
        db.session.remove()
        with db.engine.connect() as connection:
            after = {row.id: tuple(row) for row in connection.execute(sa.select(periods))}
        assert {pid: after[pid] for pid in kept} == kept  # every reported period as it was, number included
        calendar = ReportingCalendar()
        for programme in db.session.scalars(sa.select(Programme)):
            if programme.id not in extended:
                assert programme.duration_months == at_head[programme.id]
            if programme.proposal_id in paid:
                assert programme.start_source == "first_transfer"
            if programme.id in moved:
                assert programme.start_date == paid[programme.proposal_id]
                assert [(p.start_date, p.end_date, p.due_date) for p in programme.periods] == calendar_periods(
                    programme.start_date, programme.end_date, calendar
                )
        assert {fund.calendar for fund in db.session.scalars(sa.select(Fund))} == {calendar}


# --- e5a7c3d19b42: the dates of a programme's operational and financial closure ---

BEFORE_CLOSURE = "a6d2b8e41f07"


def test_upgrade_dates_the_closure_of_every_closed_programme(committed, own_demo, downgrade_demo):
    """The demo at the previous head: each closed programme's operational closure is dated the day it was closed
    (its audited move); no programme is financially closed (no operation did it before); the rest stay open."""
    from fundmgr.funds.models import Fund
    from fundmgr.proposals.models import Proposal, ProposalState

    audit = sa.table("audit_entries", sa.column("object_id"), sa.column("action"),
                     sa.column("created_at", sa.DateTime(timezone=True)))  # fmt: skip
    with own_demo.app_context():
        downgrade_demo(BEFORE_CLOSURE)
        assert "operationally_closed_on" not in {c["name"] for c in db.inspect(db.engine).get_columns("proposals")}
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            moved = {
                int(object_id): at.date()
                for object_id, at in connection.execute(
                    sa.select(audit.c.object_id, audit.c.created_at).where(audit.c.action == "programme.closed")
                )
            }
        proposals = db.session.scalars(sa.select(Proposal)).all()
        closed = {p.id: p.operationally_closed_on for p in proposals if p.state is ProposalState.closed}
        assert closed  # the demo closes its completed programmes
        assert closed == moved
        assert all(p.operationally_closed_on is None for p in proposals if p.state is not ProposalState.closed)
        assert all(p.financially_closed_on is None for p in proposals)
        # every fund takes the defaults after approval; no extension was ever asked
        funds = db.session.scalars(sa.select(Fund)).all()
        assert {(f.extension_notice_months, f.extension_committee_months) for f in funds} == {(3, 6)}
        assert {(f.delivery_warning_gap, f.tranche_min_delivery) for f in funds} == {(Decimal("0.25"), Decimal("0.7"))}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("extensions"))) == 0


# --- 04dc1252768a: a member's constituency is the seat's; the quorum shares go ---

BEFORE_SEAT_CONSTITUENCY = "e5a7c3d19b42"


def test_the_demo_comes_through_dropping_the_constituency_column_with_every_member_seated(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head, one member's seat term taken away: after the upgrade every member sits for the
    constituency their account named, the unseated one in a seat of hers; nobody lost a role, a session or a
    seat; the columns are gone. Down again, each member's constituency is read back from their seat."""
    users = sa.table("users", sa.column("id"), sa.column("email"), sa.column("constituency"))
    terms = sa.table("seat_terms", sa.column("id"), sa.column("holder_id"))
    seats_code = sa.text(
        "SELECT u.email, s.code, c.code FROM seat_terms t JOIN committee_seats s ON s.id = t.seat_id "
        "JOIN committee_constituencies c ON c.id = s.constituency_id JOIN users u ON u.id = t.holder_id "
        "WHERE t.ends_on IS NULL"
    )
    # a technical reviewer's role has no place below 9971a1b9b8d3, which the way down to that head passes
    counts = sa.text("SELECT (SELECT count(*) FROM fund_roles WHERE role <> 'technical_reviewer'), "
                     "(SELECT count(*) FROM user_sessions), (SELECT count(*) FROM audit_entries)")  # fmt: skip
    with own_demo.app_context():
        with db.engine.connect() as connection:
            before = connection.execute(counts).one()
            seated = {email: seat for email, seat, _group in connection.execute(seats_code)}
        downgrade_demo(BEFORE_SEAT_CONSTITUENCY)
        with db.engine.begin() as connection:
            named = dict(connection.execute(sa.select(users.c.email, users.c.constituency)
                                            .where(users.c.constituency.is_not(None))).all())  # fmt: skip
            assert named == {email: old_constituency(seat) for email, seat in seated.items()}
            grace = connection.scalar(sa.select(users.c.id).where(users.c.email == "grace.wanjiru@fundmgr.example"))
            connection.execute(terms.delete().where(terms.c.holder_id == grace))

        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            after = {email: (seat, group) for email, seat, group in connection.execute(seats_code)}
            assert connection.execute(counts).one() == before
        assert set(after) == set(seated)
        assert after["grace.wanjiru@fundmgr.example"] == ("CSO-1", "stakeholders")  # the first stakeholder seat free
        assert {email: seat for email, (seat, _group) in after.items() if not email.startswith("grace")} == {
            email: seat for email, seat in seated.items() if not email.startswith("grace")
        }
        inspector = db.inspect(db.engine)
        assert "constituency" not in {c["name"] for c in inspector.get_columns("users")}
        assert "quorum_share" not in {c["name"] for c in inspector.get_columns("funds")}
        assert "quorum_share" not in {c["name"] for c in inspector.get_columns("meetings")}
        db.session.remove()


# --- 29ca2e8f3d7e: jobs, the documents people ask for, run in the background ---

BEFORE_JOBS = "3f9a7c2e51b4"


def test_upgrade_adds_the_jobs_table_and_a_demo_person_asks_for_the_annual_report(committed, own_demo, downgrade_demo):
    """The demo at the previous head: the upgrade adds an empty jobs table and keeps every account; a demo person
    then asks for the annual report and gets it from the job's page."""
    from tests.factories import sign_in
    from tests.support.jobs import document

    with own_demo.app_context():
        people = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.remove()
        downgrade_demo(BEFORE_JOBS)
        assert "jobs" not in db.inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        assert "jobs" in db.inspect(db.engine).get_table_names()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == people
        user = db.session.scalar(sa.select(User).where(User.email == "nadia.rahman@fundmgr.example"))
        client = sign_in(own_demo.test_client(), user)
        db.session.remove()
        answer = document(client, "/results/annual/2025.xlsx")
        assert answer.status_code == 200
        assert answer.data.startswith(b"PK")


# --- 0131edfac1ad: decisions on matters of the fund, not one proposal ---

BEFORE_MATTERS = "29ca2e8f3d7e"


def test_the_demos_decisions_come_through_matters_and_a_matter_needs_no_proposal(committed, own_demo, downgrade_demo):
    """The demo's decisions on proposals keep their proposal and version and are about a proposal after the upgrade;
    down, its matters (and the direct costs they charged) go, as the old table cannot hold them; up again, a decision
    without a proposal is accepted for a matter decided by a meeting, refused for a proposal's."""
    decisions = sa.table("decisions", sa.column("reference"), sa.column("proposal_id"), sa.column("version_id"),
                         sa.column("subject"))  # fmt: skip
    entries = sa.text("SELECT count(*) FROM ledger_entries WHERE kind = 'direct_costs'")
    with own_demo.app_context():
        with db.engine.connect() as connection:
            on_proposals = set(connection.execute(
                sa.select(decisions.c.reference, decisions.c.proposal_id, decisions.c.version_id)
                .where(decisions.c.subject == "proposal")).all())  # fmt: skip
            assert connection.scalar(entries) == 1  # the demo's approved direct costs
        db.session.remove()
        downgrade_demo(BEFORE_MATTERS)
        with db.engine.connect() as connection:
            kept = set(connection.execute(sa.text("SELECT reference, proposal_id, version_id FROM decisions")).all())
            assert kept == on_proposals
            assert connection.scalar(entries) == 0
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            after = set(connection.execute(sa.select(decisions.c.reference, decisions.c.proposal_id,
                                                     decisions.c.version_id, decisions.c.subject)).all())  # fmt: skip
            meeting = connection.execute(sa.text("SELECT id, fund_id, held_on FROM meetings ORDER BY held_on")).first()
        # the approvals of minutes come back as decisions too (7e3d51c0a9b2 records them from the minutes)
        assert {row for row in after if row.subject != "minutes"} == {(*row, "proposal") for row in on_proposals}
        columns = {"fund_id": meeting.fund_id, "outcome": "approve", "conditions": "", "decided_on": meeting.held_on,
                   "recorded_at": clock.now()}  # fmt: skip
        insert = sa.table("decisions", *(sa.column(c) for c in [*columns, "reference", "subject", "meeting_id",
                                                                "matter"]))  # fmt: skip
        with db.engine.begin() as connection:
            connection.execute(insert.insert().values(**columns, reference="M-1", subject="allocation_targets",
                                                      meeting_id=meeting.id, matter="Adopted."))  # fmt: skip
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(insert.insert().values(**columns, reference="M-2", subject="proposal",
                                                      meeting_id=meeting.id, matter=""))  # fmt: skip


# --- a4374bee606a: what the FMU publishes on the public page ---
BEFORE_PUBLICATIONS = "0131edfac1ad"


def test_upgrade_adds_publications_and_the_fmu_publishes_a_demo_decisions_summary(committed, own_demo, downgrade_demo):
    """The demo at the previous head: the upgrade adds the empty publication tables, keeps every decision (but those
    taken by written procedure on a matter or on minutes, which the way down to that head removes), and the FMU then
    publishes a funding decision's summary, which the public page shows."""
    from fundmgr.opendata import operations as publishing
    from fundmgr.steering.models import Decision, DecisionOutcome, DecisionSubject

    with own_demo.app_context():
        kept = sa.or_(Decision.procedure_id.is_(None), Decision.subject == DecisionSubject.proposal)
        decisions = db.session.scalar(sa.select(sa.func.count()).select_from(Decision).where(kept))
        db.session.remove()
        downgrade_demo(BEFORE_PUBLICATIONS)
        assert not {"publications", "publication_files"} & set(db.inspect(db.engine).get_table_names())
        flask_migrate.upgrade()
        assert {"publications", "publication_files"} <= set(db.inspect(db.engine).get_table_names())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == decisions
        funded = sa.select(Decision).where(
            Decision.outcome == DecisionOutcome.approve, Decision.proposal_id.is_not(None)
        )
        decision = db.session.scalars(funded.order_by(Decision.id)).first()
        fmu = db.session.scalar(sa.select(User).where(User.email == "fatou.diallo@fundmgr.example"))
        publishing.publish_decision_summary(decision, {"en": "Funded after the upgrade."}, actor=fmu)
        db.session.commit()
        assert "Funded after the upgrade." in own_demo.test_client().get("/public/MIG").text


# --- 01482030c4d1: top-ups and budget revisions ---

BEFORE_TOP_UPS = "a4374bee606a"


def test_the_demo_comes_through_a_downgrade_and_upgrade_of_top_ups(committed, own_demo, downgrade_demo):
    """The demo's top-up is folded into the organization's first allocation on the way down (the money allocated,
    transferred and in the ledger unchanged, one allocation per organization again); the upgrade keeps every
    allocation, adds the fund's thresholds, and a new top-up can be allocated to the same organization again."""

    def money() -> dict[str, Any]:
        """The ledger's totals by kind (allocated, transferred, ...), read without the models of either revision."""
        with db.engine.connect() as connection:
            return dict(connection.execute(sa.text("SELECT kind, sum(amount) FROM ledger_entries GROUP BY kind")).all())

    count = sa.text("SELECT count(*), count(DISTINCT proposal_id || '-' || organization_id) FROM allocations")
    with own_demo.app_context():
        db.session.remove()
        before = money()
        with db.engine.connect() as connection:
            allocations, pairs = connection.execute(count).one()
        assert allocations == pairs + 1  # the demo's top-up: a second allocation to one organization
        db.session.remove()
        downgrade_demo(BEFORE_TOP_UPS)
        assert "top_ups" not in db.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert connection.execute(count).one() == (pairs, pairs)
        assert money() == before
        db.session.remove()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(count).one() == (pairs, pairs)
            assert set(connection.execute(sa.text("SELECT top_up_committee_above FROM funds")).scalars()) == {0}
        assert money() == before


# --- bf8cde206288: concept notes and programme documents ---

BEFORE_CONCEPT_NOTES = "01482030c4d1"


def test_upgrade_makes_every_proposal_a_programme_document_with_its_concept_note(committed, own_demo, downgrade_demo):
    """The demo down at the previous head, where a downgrade keeps the concept notes as proposals; then, as in a
    database from before the two stages, without them: does each proposal come through the upgrade as a programme
    document, unchanged, with its concept note derived (selected once submitted, its first version copied, each
    organization's share of the budget as its indicative amount), as the demo derives them?"""
    from fundmgr.proposals.models import Proposal, ProposalStage

    def notes() -> dict[tuple, tuple]:
        # keyed by stage and title: every draft's reference reads "Draft"
        return {
            (p.stage.value, p.title): (p.reference, p.state, p.version_count, p.total_amount, p.title,
                          sorted((x.organization.code, x.indicative_amount) for x in p.participants),
                          p.concept_note.reference if p.concept_note else None,
                          p.programme_document.reference if p.programme_document else None)
            for p in db.session.scalars(sa.select(Proposal))
        }  # fmt: skip

    with own_demo.app_context():
        before = notes()
        assert any(state is ProposalState.selected for _ref, state, *_ in before.values())
        db.session.remove()
        downgrade_demo(BEFORE_CONCEPT_NOTES)
        with db.engine.connect() as connection:
            refs = [r for (r,) in connection.execute(sa.text("SELECT reference FROM proposals"))]
        # a downgrade keeps the concept notes, as proposals ("-CN"); drafts have references again below c4ee83f48b86
        assert sorted(r for r in refs if "-DRAFT-" not in r) == sorted(r for r, *_ in before.values() if r != "Draft")
        # a database from before the two stages has no concept note derived from its programmes; the first call's
        # other concept notes (which no programme was developed from) stay, as a downgrade keeps them
        with db.engine.begin() as connection:
            notes_sql = "SELECT n.id FROM proposals n JOIN proposals d ON n.reference = d.reference || '-CN'"
            for name in ("participants", "proposal_markers", "proposal_objectives", "proposal_principles",
                         "proposal_countries", "proposal_versions"):  # fmt: skip
                connection.execute(sa.text(f"DELETE FROM {name} WHERE proposal_id IN ({notes_sql})"))
            connection.execute(sa.text(f"DELETE FROM proposals WHERE id IN ({notes_sql})"))
        flask_migrate.upgrade()
        # the notes no programme was developed from come back as concept notes, without the indicative amounts the
        # downgrade dropped (the upgrade takes a note's amounts from its programme's budget)
        unlinked = {key for key, (*_rest, document) in before.items() if key[0] == "concept_note" and not document}
        assert unlinked
        expected = {key: (*row[:5], [(code, None) for code, _a in row[5]], *row[6:]) if key in unlinked else row
                    for key, row in before.items()}  # fmt: skip
        assert notes() == expected
        for document in db.session.scalars(
            sa.select(Proposal).where(Proposal.stage == ProposalStage.programme_document)
        ):
            note = document.concept_note
            assert note.title == document.title
            assert note.lead_organization_id == document.lead_organization_id
            if document.versions:
                assert note.versions[0].snapshot.sha256() == document.versions[0].snapshot.sha256()


# --- 9971a1b9b8d3: thematic areas with shares; technical reviewers' invitations and comments ---

BEFORE_AREA_SHARES = "bf8cde206288"


def test_the_upgrade_gives_each_demo_proposal_its_primary_area_at_100_percent(committed, own_demo, downgrade_demo):
    """The demo at the previous head: after the upgrade each proposal with a primary area holds it at 100%, and
    the dashboard's sums by area are the same as before; down again the new tables are gone."""
    from fundmgr.finance.queries import allocations_by_area
    from fundmgr.funds.models import Fund

    primaries = sa.text("SELECT id, primary_area_id FROM proposals WHERE primary_area_id IS NOT NULL")

    def by_area() -> dict[str, Any]:
        db.session.expire_all()
        return {(f.code, r.key): r.amount for f in db.session.scalars(sa.select(Fund)) for r in allocations_by_area(f)}

    with own_demo.app_context():
        sums = by_area()
        assert any(sums.values())
        db.session.remove()
        downgrade_demo(BEFORE_AREA_SHARES)
        tables = set(db.inspect(db.engine).get_table_names())
        assert not tables & {"proposal_areas", "review_invitations", "review_comments"}
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            expected = {(pid, area_id) for pid, area_id in connection.execute(primaries)}
            shares = connection.execute(
                sa.select(sa.column("proposal_id"), sa.column("area_id"), sa.column("share")).select_from(
                    sa.table("proposal_areas")
                )
            ).all()
        assert expected
        assert {(pid, area_id) for pid, area_id, _share in shares} == expected
        db.session.remove()
        from fundmgr.proposals.models import Proposal

        assert all(p.area_shares[0][1] == 100 for p in db.session.scalars(sa.select(Proposal)) if p.primary_area)
        assert by_area() == sums


# --- c4ee83f48b86: the reference number is given at submission ---

BEFORE_REFERENCE_AT_SUBMISSION = "9971a1b9b8d3"


def test_drafts_give_back_their_reference_and_nothing_hanging_from_proposals_is_lost(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head (every draft holding a reference): the upgrade takes the drafts' references
    away, keeps every submitted proposal's, and loses no row of the tables that hang from proposals (SQLite
    rebuilds the table)."""
    from fundmgr.proposals.models import BudgetLine, MatrixOutcome, Participant, Proposal, ProposalState

    def counts() -> tuple[int, ...]:
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Proposal, Participant, BudgetLine, MatrixOutcome)
        )

    with own_demo.app_context():
        references = sa.select(Proposal.id, Proposal.reference_number).where(Proposal.version_count > 0)
        submitted = dict(db.session.execute(references).all())
        before = counts()
        db.session.remove()
        downgrade_demo(BEFORE_REFERENCE_AT_SUBMISSION)
        rows = db.session.execute(sa.text("SELECT id, reference, state FROM proposals")).all()
        assert all(reference for _id, reference, _state in rows)
        assert any(reference.startswith("MIG-DRAFT-") for _id, reference, state in rows if state == "draft")
        db.session.remove()
        flask_migrate.upgrade()
        assert counts() == before
        drafts = db.session.scalars(sa.select(Proposal).where(Proposal.state == ProposalState.draft)).all()
        assert drafts
        assert all(p.reference_number is None and p.reference == "Draft" for p in drafts)
        assert dict(db.session.execute(references).all()) == submitted
        db.session.remove()


# --- 1b4c8b24a585: content-addressed storage, rows with equal files share one storage key ---

BEFORE_CONTENT_KEYS = "c4ee83f48b86"


def test_the_demos_files_keep_their_keys_through_content_addressed_storage(committed, own_demo, downgrade_demo):
    """The demo at the previous head: do its attachments and minutes keep their (random) keys through the upgrade,
    and may two rows then point at one stored file, as equal uploads now do? (Minutes approved by written procedure
    go back to their draft on the way down: a meeting's approval is what that head knows.)"""
    keys = sa.text("SELECT 'a', id, storage_key FROM attachments UNION ALL "
                   "SELECT 'm', id, storage_key FROM minutes WHERE storage_key IS NOT NULL "
                   "AND approved_in_id IS NOT NULL ORDER BY 1, 2")  # fmt: skip
    with own_demo.app_context():
        with db.engine.connect() as connection:
            before = connection.execute(keys).all()
        assert any(kind == "a" for kind, _id, _key in before)
        assert any(kind == "m" for kind, _id, _key in before)
        db.session.remove()
        downgrade_demo(BEFORE_CONTENT_KEYS)
        unique = {tuple(u["column_names"]) for u in db.inspect(db.engine).get_unique_constraints("attachments")}
        assert ("storage_key",) in unique
        flask_migrate.upgrade()
        inspector = db.inspect(db.engine)
        for table in ("attachments", "report_evidence", "minutes"):
            assert ("storage_key",) not in {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
            assert ["storage_key"] in [i["column_names"] for i in inspector.get_indexes(table)]
        with db.engine.connect() as connection:
            assert connection.execute(keys).all() == before
            attachments = sa.Table("attachments", sa.MetaData(), autoload_with=connection)
            row = connection.execute(sa.select(attachments).order_by(attachments.c.id)).mappings().first()
            copy = {name: value for name, value in row.items() if name != "id"}
            connection.execute(attachments.insert().values(copy))  # a second row pointing at the same file
            shared = sa.select(sa.func.count()).where(attachments.c.storage_key == row["storage_key"])
            assert connection.execute(shared).scalar_one() == 2
            connection.rollback()


# --- 0bc5d8ca558e: certified final financial statements recorded ---

BEFORE_FINAL_STATEMENTS = "1b4c8b24a585"


def test_upgrade_records_the_final_statements_of_organizations_that_certified_the_closure_year(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head: its programme closed financially counted each organization's final statements
    as received once it certified its expenditure for the closure's year. The upgrade records them as received on the
    day the first certified figure of that year was recorded, by whom recorded it; nothing else is recorded, and the
    deadlines read the records."""
    from fundmgr.deadlines.queries import financial_report_deadlines
    from fundmgr.funds.models import Fund

    certified = sa.text(
        "SELECT a.proposal_id, a.organization_id, e.year, e.updated_at, e.updated_by_id FROM expenditures e"
        " JOIN allocations a ON a.id = e.allocation_id JOIN proposals p ON p.id = a.proposal_id"
        " WHERE p.financially_closed_on IS NOT NULL AND e.kind = 'annual' ORDER BY e.updated_at, e.id"
    )
    closed_year = sa.text("SELECT id, financially_closed_on FROM proposals WHERE financially_closed_on IS NOT NULL")
    with own_demo.app_context():
        db.session.remove()
        downgrade_demo(BEFORE_FINAL_STATEMENTS)
        assert "final_statements" not in db.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            years = {pid: (d if isinstance(d, date) else date.fromisoformat(str(d))).year
                     for pid, d in connection.execute(closed_year)}  # fmt: skip
            assert years  # the demo closes one programme financially through the real operations
            expected = {}
            for proposal_id, organization_id, year, at, by in connection.execute(certified):
                if year != years[proposal_id]:
                    continue
                at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
                expected.setdefault((proposal_id, organization_id), (at.date(), by))
        db.session.remove()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT proposal_id, organization_id, received_on, received_by_id, document FROM final_statements"
                )
            ).all()
        assert expected
        recorded = {(p, o): ((d if isinstance(d, date) else date.fromisoformat(str(d))), by) for p, o, d, by, _ in rows}
        assert recorded == expected
        assert all(doc.startswith("Certified expenditure for ") for *_rest, doc in rows)
        for fund in db.session.scalars(sa.select(Fund)):
            finals = [d for d in financial_report_deadlines(fund, date(2100, 1, 1), include_done=True) if d.final]
            assert all(d.received for d in finals if (d.proposal.id, d.organization.id) in expected)


# --- 7e3d51c0a9b2: matters of the fund by written procedure; approving minutes is a decision ---

BEFORE_MINUTES_DECISIONS = "0bc5d8ca558e"


def test_upgrade_makes_each_approval_of_the_demos_minutes_a_decision_of_the_register(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head approved minutes at a later meeting. The upgrade records each approval as a
    decision about those minutes: taken by the approving meeting on its day, numbered there, presided over by who
    signed them, with the quorum the approval's audit entry kept; the register lists them and the fund's decision
    record verifies (their link is the minutes' own). Down again they go, and a matter's written procedure with
    them; up again a procedure without a proposal is accepted for a matter, refused for a proposal's."""
    from fundmgr.steering.models import Decision, DecisionSubject
    from fundmgr.steering.verification import fund_findings

    approved = sa.text(
        "SELECT m.id, m.approved_in_id, m.signed_by_id, m.approved_by_id, a.reference, a.held_on, a.fund_id"
        " FROM minutes m JOIN meetings a ON a.id = m.approved_in_id WHERE m.state = 'approved'"
        " ORDER BY m.approved_in_id, m.approved_at, m.id"
    )
    with own_demo.app_context():
        db.session.remove()
        downgrade_demo(BEFORE_MINUTES_DECISIONS)
        with db.engine.connect() as connection:
            assert "minutes_id" not in {c["name"] for c in db.inspect(connection).get_columns("decisions")}
            approvals = connection.execute(approved).all()
            decisions_before = connection.scalar(sa.text("SELECT count(*) FROM decisions"))
        assert approvals  # the demo approves minutes at the next meeting
        flask_migrate.upgrade()
        made = db.session.scalars(
            sa.select(Decision).where(Decision.subject == DecisionSubject.minutes).order_by(Decision.id)
        ).all()
        assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == decisions_before + len(approvals)
        numbers: dict[int, int] = {}
        expected = []
        for minutes_id, at_id, signed_by, approved_by, reference, held_on, fund_id in approvals:
            numbers[at_id] = numbers.get(at_id, 0) + 1
            held = held_on if isinstance(held_on, date) else date.fromisoformat(str(held_on))
            expected.append((minutes_id, at_id, signed_by, approved_by, f"{reference}/MIN{numbers[at_id]}", held,
                             fund_id))  # fmt: skip
        assert sorted((d.minutes_id, d.meeting_id, d.presided_by_id, d.recorded_by_id, d.reference, d.decided_on,
                       d.fund_id) for d in made) == sorted(expected)  # fmt: skip
        assert all(d.quorum_record and d.quorum_record["met"] for d in made)
        assert all(d.outcome.value == "approve" and d.minutes.approved_in_id == d.meeting_id for d in made)
        for fund in db.session.scalars(sa.select(Fund)):
            assert fund_findings(fund)[1] == []
        # a matter's written procedure, then down: it goes with the approvals' decisions
        fund_id, procedure_columns = approvals[0][6], {
            "reference": "MIG-WP-2099-01", "outcome": "approve", "conditions": "", "rationale": "Budget.",
            "deadline": date(2099, 1, 1), "state": "open", "circulated_at": clock.now(),
            "matter": "Adopts the allocation targets for 2099.",
        }  # fmt: skip
        procedures = sa.table("written_procedures", *(sa.column(c) for c in [*procedure_columns, "fund_id",
                                                                             "subject", "proposal_id"]))  # fmt: skip
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(procedures.insert().values(**procedure_columns, fund_id=fund_id,
                                                          subject="allocation_targets"))  # fmt: skip
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(procedures.insert().values(**procedure_columns | {"reference": "MIG-WP-2099-02"},
                                                          fund_id=fund_id, subject="proposal"))  # fmt: skip
        flask_migrate.downgrade(revision=BEFORE_MINUTES_DECISIONS)
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM decisions")) == decisions_before
            circulated = sa.text("SELECT count(*) FROM written_procedures WHERE rationale = 'Budget.'")
            assert connection.scalar(circulated) == 0
        flask_migrate.upgrade()
        db.session.remove()


# --- 7d3e9b2c41a8: budget revisions of several lines; final statements uploaded with their certified total ---

BEFORE_REVISION_LINES = "7e3d51c0a9b2"


def test_each_revision_becomes_its_two_lines_and_the_final_statements_keep_what_they_had(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head: its budget revision moved one amount between two budget lines, and its closed
    programme's final statements were recorded without a file. The upgrade turns the move into two lines (taken from
    one, added to the other), the request moving the same amount in all, the revised version unchanged; the
    statements keep their date and reference, with no file and no total."""
    from fundmgr.finance.models import BudgetRevision, FinalStatement

    moves = sa.text("SELECT id, from_organization_id, from_category, to_organization_id, to_category, year, amount "
                    "FROM budget_revisions ORDER BY id")  # fmt: skip
    statements = sa.text("SELECT proposal_id, organization_id, received_on, document FROM final_statements ORDER BY id")
    money_type = ScaledDecimal(18, 2)
    with own_demo.app_context():
        versions_before = {r.id: r.version_id for r in db.session.scalars(sa.select(BudgetRevision))}
        assert any(len(r.lines) > 2 for r in db.session.scalars(sa.select(BudgetRevision)))  # the demo's has three
        db.session.remove()
        downgrade_demo(BEFORE_REVISION_LINES)
        inspector = db.inspect(db.engine)
        assert "budget_revision_lines" not in inspector.get_table_names()
        assert "storage_key" not in {c["name"] for c in inspector.get_columns("final_statements")}
        with db.engine.connect() as connection:
            before = connection.execute(moves).all()
            received = connection.execute(statements).all()
        assert before  # the demo asks for one revision through the real operations
        assert received  # and its organizations submitted their final statements (their file names kept)
        assert all(document for *_rest, document in received)
        db.session.remove()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(statements).all() == received
            assert connection.execute(sa.text("SELECT count(*) FROM final_statements WHERE storage_key IS NOT NULL "
                                              "OR certified_total IS NOT NULL")).scalar_one() == 0  # fmt: skip
        for move in before:
            amount = money_type.process_result_value(move.amount, db.engine.dialect)
            revision = db.session.get(BudgetRevision, move.id)
            lines = [(ln.organization_id, ln.category, ln.year, ln.amount) for ln in revision.lines]
            assert lines == [
                (move.from_organization_id, move.from_category, move.year, -amount),
                (move.to_organization_id, move.to_category, move.year, amount),
            ]
            assert revision.amount == amount
            assert revision.version_id == versions_before[move.id]
        assert db.session.scalar(sa.select(sa.func.count(FinalStatement.id))) == len(received)


# --- a5c2e8d4f190: minutes approved by written procedure ---

BEFORE_MINUTES_BY_PROCEDURE = "7d3e9b2c41a8"


def chain_holds(connection: sa.Connection) -> bool:
    """Each fund's links numbered from 1, each on the one before (what can be checked without the models)."""
    rows = connection.execute(sa.text("SELECT fund_id, sequence, previous_hash, record_hash FROM decision_records "
                                      "ORDER BY fund_id, sequence")).all()  # fmt: skip
    expected: dict[int, tuple[int, str]] = {}
    for fund_id, sequence, previous_hash, record_hash in rows:
        number, previous = expected.get(fund_id, (1, "0" * 64))
        if (sequence, previous_hash) != (number, previous):
            return False
        expected[fund_id] = (number + 1, record_hash)
    return True


def test_minutes_approved_by_written_procedure_come_through_the_previous_head_and_back(committed, own_demo):
    """The demo approves one meeting's minutes by written procedure. Down to the previous head, those minutes go
    back to their draft (their decision, link and procedure gone, the fund's later links chained again over the gap);
    up again, every row as the previous head left it holds under the relaxed checks, the record verifies, and the
    FMU can circulate those minutes again and have them approved in writing. The new checks hold: a procedure on
    minutes names them, approved minutes have exactly one origin (a meeting or a procedure)."""
    from fundmgr.accounts.models import User
    from fundmgr.steering import operations as ops
    from fundmgr.steering.models import DecisionSubject, Minutes, WrittenProcedure, WrittenProcedureState
    from fundmgr.steering.queries import sc_members
    from fundmgr.steering.verification import fund_findings

    minutes_rows = sa.text("SELECT id, meeting_id, state, approved_in_id, sha256, signed_by_id FROM minutes "
                           "ORDER BY id")  # fmt: skip
    with own_demo.app_context():
        in_writing = db.session.scalars(sa.select(Minutes).where(Minutes.approved_by_procedure_id.is_not(None))).all()
        assert len(in_writing) == 1  # the demo approves the 13th meeting's minutes by written procedure
        (by_procedure,) = in_writing
        procedure = by_procedure.approved_by_procedure
        procedure_id, fmu_id = procedure.id, procedure.circulated_by_id
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE_MINUTES_BY_PROCEDURE)
        inspector = db.inspect(db.engine)
        assert "minutes_id" not in {c["name"] for c in inspector.get_columns("written_procedures")}
        assert "approved_by_procedure_id" not in {c["name"] for c in inspector.get_columns("minutes")}
        with db.engine.connect() as connection:
            before = connection.execute(minutes_rows).all()
            assert chain_holds(connection)
            assert connection.scalar(sa.text(f"SELECT count(*) FROM written_procedures WHERE id = {procedure_id}")) == 0
        assert {row.id: row.state for row in before}[by_procedure.id] == "draft"
        assert all(row.state == "draft" or row.approved_in_id is not None for row in before)
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            after = connection.execute(minutes_rows).all()
            assert after == before
            assert connection.scalar(sa.text("SELECT count(*) FROM minutes WHERE approved_by_procedure_id IS NOT NULL "
                                             "OR id IN (SELECT minutes_id FROM written_procedures "
                                             "WHERE minutes_id IS NOT NULL)")) == 0  # fmt: skip
        for fund in db.session.scalars(sa.select(Fund)):
            assert fund_findings(fund)[1] == []

        # the new checks, on the upgraded rows
        draft = db.session.get(Minutes, by_procedure.id)
        fund = draft.meeting.fund
        columns = {"fund_id": fund.id, "outcome": "approve", "conditions": "", "rationale": "Minutes.",
                   "deadline": date(2099, 1, 1), "state": "open", "circulated_at": clock.now(),
                   "matter": "", "reference": "MIG-WP-2099-01"}  # fmt: skip
        procedures = sa.table("written_procedures", *(sa.column(c) for c in [*columns, "subject", "minutes_id"]))
        db.session.remove()
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(procedures.insert().values(**columns, subject="minutes"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(procedures.insert().values(**columns, subject="allocation_targets",
                                                          minutes_id=by_procedure.id))  # fmt: skip
        approved_elsewhere = sa.text("SELECT id, approved_in_id FROM minutes WHERE state = 'approved' "
                                     "ORDER BY id LIMIT 1")  # fmt: skip
        with db.engine.connect() as connection:
            approved_id, approved_in_id = connection.execute(approved_elsewhere).one()
            existing = connection.scalar(sa.text("SELECT min(id) FROM written_procedures"))
        neither, both = "approved_in_id = NULL", f"approved_by_procedure_id = {existing}"
        for update in (f"UPDATE minutes SET {neither} WHERE id = {approved_id}",
                       f"UPDATE minutes SET {both} WHERE id = {approved_id}"):  # fmt: skip
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
                connection.execute(sa.text(update))
        assert approved_in_id is not None

        # and the operations take them from there: circulated again, approved without objection
        draft = db.session.get(Minutes, by_procedure.id)
        fund, fmu = draft.meeting.fund, db.session.get(User, fmu_id)
        procedure = ops.circulate_minutes_procedure(draft, rationale="Again.", deadline=clock.today(fund),
                                                    actor=fmu)  # fmt: skip
        assert (procedure.subject, procedure.minutes_id) == (DecisionSubject.minutes, draft.id)
        for member in sc_members(fund):
            ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
        decision = ops.conclude_written_procedure(procedure, actor=fmu)
        db.session.commit()
        assert procedure.state is WrittenProcedureState.adopted
        assert draft.approved_by_procedure_id == procedure.id
        assert decision.reference == f"{procedure.reference}/MIN1"
        assert fund_findings(fund)[1] == []
        assert db.session.scalar(sa.select(sa.func.count(WrittenProcedure.id)).where(
            WrittenProcedure.minutes_id.is_not(None))) == 1  # fmt: skip
        db.session.remove()


# --- 5a8c1e7f3d92: results keep standings, fund indicators' totals and periods' handed-in flags ---

BEFORE_STANDINGS = "a5c2e8d4f190"
KEPT = {
    "programme_indicators": "SELECT id, latest_actual, latest_as_of FROM programme_indicators ORDER BY id",
    "reporting_periods": "SELECT id, handed_in FROM reporting_periods ORDER BY id",
    "fund_indicator_totals": "SELECT * FROM fund_indicator_totals ORDER BY fund_indicator_id",
}


def test_upgrade_computes_what_the_demos_operations_kept(committed, own_demo, downgrade_demo):
    """The demo's reports were written, submitted, returned and accepted through the operations, which kept each
    indicator's standing, each fund indicator's totals and each period's handed-in flag. Down to the previous head
    they are gone; the upgrade computes them from the reports, exactly as the operations had kept them, and the
    framework page's roll-ups read the same."""
    from fundmgr.results import queries as q

    with own_demo.app_context():
        fund = db.session.scalar(sa.select(Fund).order_by(Fund.id))
        today = clock.today(fund)
        with db.engine.connect() as connection:
            kept = {table: connection.execute(sa.text(sql)).all() for table, sql in KEPT.items()}
        rollups = {i: (r.combined, r.progress) for i, r in q.fund_rollups(fund, today).items()}
        assert any(actual is not None for _id, actual, _as_of in kept["programme_indicators"])
        assert {handed_in for _id, handed_in in kept["reporting_periods"]} == {True, False}
        assert kept["fund_indicator_totals"]
        assert any(combined.count for combined, _progress in rollups.values())
        db.session.remove()
        downgrade_demo(BEFORE_STANDINGS)
        inspector = db.inspect(db.engine)
        assert "fund_indicator_totals" not in inspector.get_table_names()
        assert "handed_in" not in {c["name"] for c in inspector.get_columns("reporting_periods")}
        assert "latest_actual" not in {c["name"] for c in inspector.get_columns("programme_indicators")}
        db.session.remove()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert {table: connection.execute(sa.text(sql)).all() for table, sql in KEPT.items()} == kept
        fund = db.session.scalar(sa.select(Fund).order_by(Fund.id))
        assert {i: (r.combined, r.progress) for i, r in q.fund_rollups(fund, today).items()} == rollups


# --- 5c1f0e7a9d42: each fund's ledger totals per kind and earmark, kept up to date as entries are added ---

BEFORE_LEDGER_TOTALS = "5a8c1e7f3d92"


def test_upgrade_sums_every_funds_ledger_into_its_totals_and_the_balances_stay_the_same(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous head has no totals; the upgrade sums each fund's ledger per kind and earmark, to the
    cent: the totals are those of the raw rows, and every fund's balances are the same as read from the ledger's
    rows. An entry added after the upgrade (a deposit, through its operation) counts in its total at once."""
    from fundmgr.finance import operations as finance_ops
    from fundmgr.finance.models import LedgerTotal
    from fundmgr.finance.queries import balances, ledger_sums

    raw = sa.text("SELECT fund_id, kind, area_id, amount FROM ledger_entries")
    money_type = ScaledDecimal(18, 2)
    with own_demo.app_context():
        funds = list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))
        before = {fund.id: balances(fund) for fund in funds}
        db.session.remove()
        downgrade_demo(BEFORE_LEDGER_TOTALS)
        assert "ledger_totals" not in db.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            rows = connection.execute(raw).all()
        assert rows  # the demo's deposits, fees, allocations and transfers
        sums: dict[tuple[int, str, int | None], Decimal] = {}
        for fund_id, kind, area_id, amount in rows:
            key = (fund_id, kind, area_id)
            sums[key] = sums.get(key, Decimal("0.00")) + money_type.process_result_value(amount, db.engine.dialect)
        db.session.remove()
        flask_migrate.upgrade()
        totals: dict[tuple[int, str, int | None], Decimal] = {}
        for t in db.session.scalars(sa.select(LedgerTotal)):  # at the head, kept per year too (9b4e2d7c5a13)
            key = (t.fund_id, t.kind.value, t.area_key or None)
            totals[key] = totals.get(key, Decimal("0.00")) + t.amount
        assert totals == sums
        for fund in db.session.scalars(sa.select(Fund).order_by(Fund.id)):
            assert balances(fund) == before[fund.id]
            assert balances(fund) == balances(fund, as_at=date(9999, 12, 31))
        fund = db.session.get(Fund, funds[0].id)
        interest = balances(fund).interest
        finance_ops.record_interest(
            fund, amount=Decimal("1000.00"), on_date=clock.today(fund), reference="TOTALS-1", actor=None
        )
        db.session.commit()
        assert balances(fund).interest == interest + Decimal("1000.00")
        assert ledger_sums(fund) == ledger_sums(fund, as_at=date(9999, 12, 31))


# --- 9b4e2d7c5a13: the ledger totals kept per year and organization too (the dashboard) ---

BEFORE_DETAILED_TOTALS = "5c1f0e7a9d42"


def test_upgrade_sums_every_funds_ledger_per_year_and_organization_and_the_dashboard_stays_the_same(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous revision has its totals per kind and earmark only; the upgrade sums each fund's
    ledger per kind, earmark, year and allocation's organization, to the cent, and every fund's balances,
    capitalization per year and money per organization are the same as before and as summed from the ledger's rows.
    An entry added after the upgrade counts in its year's total."""
    from fundmgr.finance import operations as finance_ops
    from fundmgr.finance.models import LedgerTotal
    from fundmgr.finance.queries import (
        allocations_by_organization,
        balances,
        capitalization_by_year,
        money_by_organization,
    )

    def figures(fund: Fund, as_at: date | None = None) -> tuple[Any, ...]:
        return (balances(fund, as_at), capitalization_by_year(fund, as_at), money_by_organization(fund, as_at),
                allocations_by_organization(fund, as_at))  # fmt: skip

    raw = sa.text(
        "SELECT e.fund_id, e.kind, e.area_id, e.on_date, a.organization_id, e.amount FROM ledger_entries e "
        "LEFT JOIN allocations a ON a.id = e.allocation_id"
    )
    money_type = ScaledDecimal(18, 2)
    later = date(9999, 12, 31)
    with own_demo.app_context():
        funds = list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))
        before = {fund.id: figures(fund) for fund in funds}
        assert any(years and allocated for _b, years, _money, allocated in before.values()), before
        db.session.remove()
        downgrade_demo(BEFORE_DETAILED_TOTALS)
        assert "year" not in {c["name"] for c in db.inspect(db.engine).get_columns("ledger_totals")}
        with db.engine.connect() as connection:
            rows = connection.execute(raw).all()
        sums: dict[tuple[int, str, int | None, int, int | None], Decimal] = {}
        for fund_id, kind, area_id, on_date, organization_id, amount in rows:
            key = (fund_id, kind, area_id, int(str(on_date)[:4]), organization_id)
            sums[key] = sums.get(key, Decimal("0.00")) + money_type.process_result_value(amount, db.engine.dialect)
        assert len({key[3] for key in sums}) > 1  # the demo's ledger spans several years
        assert len({key[4] for key in sums}) > 2  # and allocations to several organizations
        db.session.remove()
        flask_migrate.upgrade()
        totals = {
            (t.fund_id, t.kind.value, t.area_key or None, t.year, t.organization_key or None): t.amount
            for t in db.session.scalars(sa.select(LedgerTotal))
        }
        assert totals == sums
        for fund in db.session.scalars(sa.select(Fund).order_by(Fund.id)):
            assert figures(fund) == before[fund.id]
            assert figures(fund) == figures(fund, later)
        fund = db.session.get(Fund, funds[0].id)
        today = clock.today(fund)
        interest = {y.year: y.interest for y in capitalization_by_year(fund)}.get(today.year, Decimal("0.00"))
        finance_ops.record_interest(fund, amount=Decimal("1000.00"), on_date=today, reference="YEARS-1", actor=None)
        db.session.commit()
        assert {y.year: y.interest for y in capitalization_by_year(fund)}[today.year] == interest + Decimal("1000.00")
        assert figures(fund) == figures(fund, later)


# --- c3e8a1f5d27b: net allocations kept per programme, per area and place, and per marker level (the dashboard) ---

BEFORE_ALLOCATION_TOTALS = "9b4e2d7c5a13"


def test_upgrade_sums_every_programmes_allocations_per_area_place_and_marker_and_the_dashboard_stays_the_same(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous revision has no allocation totals; the upgrade sums each programme's net allocation
    from the ledger and splits it over its areas as the application does: the dashboard's allocations by area, region
    and marker are those summed from the ledger's rows, to the cent, and the kept rows are those summed afresh. A
    release after the upgrade counts at once."""
    from fundmgr.finance import operations as finance_ops
    from fundmgr.finance.models import (
        Allocation,
        AllocationMarkerTotal,
        AllocationTotal,
        ProgrammeAllocation,
        rebuild_allocation_totals,
    )
    from fundmgr.finance.queries import allocation_money, allocations_by_area, allocations_by_region
    from fundmgr.finance.queries import allocations_by_target_marker as by_marker

    def figures(fund: Fund, as_at: date | None = None) -> tuple[Any, ...]:
        return allocations_by_area(fund, as_at), allocations_by_region(fund, as_at), by_marker(fund, as_at)

    def kept() -> list[list[tuple[Any, ...]]]:
        return [
            sorted(tuple(row) for row in db.session.execute(sa.select(table.__table__)).all() if row.amount)
            for table in (ProgrammeAllocation, AllocationTotal, AllocationMarkerTotal)
        ]

    later = date(9999, 12, 31)
    with own_demo.app_context():
        funds = list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))
        before = {fund.id: figures(fund, later) for fund in funds}
        assert any(sum(row.amount for row in by_area) for by_area, _r, _m in before.values()), before
        db.session.remove()
        downgrade_demo(BEFORE_ALLOCATION_TOTALS)
        assert "allocation_totals" not in db.inspect(db.engine).get_table_names()
        db.session.remove()
        flask_migrate.upgrade()
        for fund in db.session.scalars(sa.select(Fund).order_by(Fund.id)):
            assert figures(fund) == before[fund.id]
        upgraded = kept()
        assert all(upgraded), upgraded  # programmes, areas and places, marker levels
        savepoint = db.session.begin_nested()
        rebuild_allocation_totals(db.session.connection())
        assert kept() == upgraded
        savepoint.rollback()
        money = allocation_money(db.session.scalars(sa.select(Allocation).order_by(Allocation.id)).all())
        allocation = next(m.allocation for m in money if m.to_transfer > 0)  # some left to release
        fund = db.session.get(Fund, allocation.fund_id)
        finance_ops.release_allocation(
            allocation, amount=Decimal("0.01"), on_date=clock.today(fund), reference="KEPT-1", actor=None
        )
        db.session.commit()
        assert figures(fund) == figures(fund, later)
        assert sum(r.amount for r in allocations_by_area(fund)) == sum(r.amount for r in before[fund.id][0]) - Decimal(
            "0.01"
        )


# --- e1b7d4a92c63: indexes for the public page's countries and the reports waiting for review ---

BEFORE_WAITING_INDEXES = "c3e8a1f5d27b"


def test_upgrade_adds_the_indexes_of_the_public_countries_and_the_waiting_reports(committed, own_demo, downgrade_demo):
    """The demo at the previous revision has neither index; after the upgrade both exist, and the public page names
    the same funded countries as every funded programme's country and countries read from the raw rows."""
    from fundmgr.opendata.public import funded_countries

    def indexes(table: str) -> set[str]:
        return {index["name"] for index in db.inspect(db.engine).get_indexes(table)}

    raw = sa.text(
        "SELECT p.fund_id, p.country_id FROM proposals p WHERE p.state IN ('approved', 'active', 'closed') "
        "AND p.country_id IS NOT NULL UNION SELECT p.fund_id, c.country_id FROM proposals p "
        "JOIN proposal_countries c ON c.proposal_id = p.id WHERE p.state IN ('approved', 'active', 'closed')"
    )
    with own_demo.app_context():
        downgrade_demo(BEFORE_WAITING_INDEXES)
        assert "ix_proposal_countries_country_id" not in indexes("proposal_countries")
        assert "ix_progress_reports_state_submitted_at" not in indexes("progress_reports")
        with db.engine.connect() as connection:
            expected: dict[int, set[int]] = {}
            for fund_id, country_id in connection.execute(raw):
                expected.setdefault(fund_id, set()).add(country_id)
        assert any(expected.values())
        db.session.remove()
        flask_migrate.upgrade()
        assert "ix_proposal_countries_country_id" in indexes("proposal_countries")
        assert "ix_progress_reports_state_submitted_at" in indexes("progress_reports")
        for fund in db.session.scalars(sa.select(Fund).order_by(Fund.id)):
            assert {country.id for country in funded_countries(fund)} == expected.get(fund.id, set())


# --- 7d3f9a2c6e15: each proposal's score summary, kept up to date as its reviews change (the ranking) ---

BEFORE_SCORE_SUMMARIES = "e1b7d4a92c63"


def test_upgrade_fills_every_proposals_score_summary_as_the_application_computes_it(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous revision has no score summaries; the upgrade computes one for every proposal before the
    committee (in review or endorsed), equal to what the application computes from the reviews from scratch (and to
    its rebuild), so the ranking reads the same weighted means and review counts."""
    from fundmgr.steering.summaries import ScoreSummary, computed, rebuild_score_summaries

    def kept() -> list[tuple[Any, ...]]:
        columns = [ScoreSummary.__table__.c[name] for name in ("proposal_id", "fund_id", "version_id", "weighted",
                                                               "reviews")]  # fmt: skip
        return sorted(tuple(row) for row in db.session.execute(sa.select(*columns)))

    with own_demo.app_context():
        downgrade_demo(BEFORE_SCORE_SUMMARIES)
        assert "score_summaries" not in db.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            versioned = connection.scalar(sa.text(
                "SELECT COUNT(*) FROM proposals p WHERE p.state IN ('in_review', 'endorsed') "
                "AND EXISTS (SELECT 1 FROM proposal_versions v WHERE v.proposal_id = p.id)"))  # fmt: skip
        db.session.remove()
        flask_migrate.upgrade()
        upgraded = kept()
        assert len(upgraded) == versioned
        assert any(weighted is not None and reviews for _p, _f, _v, weighted, reviews in upgraded)
        assert upgraded == sorted(tuple(row) for row in db.session.execute(computed()))
        savepoint = db.session.begin_nested()
        rebuild_score_summaries(db.session.connection())
        assert kept() == upgraded
        savepoint.rollback()


# --- b7e2c9d4a816: the fund's figures per year, kept for the annual page ---

BEFORE_YEAR_TOTALS = "7d3f9a2c6e15"
YEAR_FIGURES = {
    "programme_year_figures": "SELECT programme_id, year, figure, key, count FROM programme_year_figures "
    "ORDER BY programme_id, year, figure, key",
    "results_year_totals": "SELECT fund_id, year, figure, key, count FROM results_year_totals WHERE count <> 0 "
    "ORDER BY fund_id, year, figure, key",
}


def test_upgrade_counts_the_demos_figures_per_year_as_its_operations_kept_them(committed, own_demo, downgrade_demo):
    """The demo's programmes were established, paid, reported on and closed through the operations, which kept each
    fund's figures per year. Down to the previous head they are gone; the upgrade counts them from the programmes,
    indicators and reports exactly as the operations had kept them, and the annual page of every year reads the
    same figures."""
    from fundmgr.results.reports import headline_figures
    from fundmgr.results.views.annual import report_years

    def pages() -> dict[tuple[int, int], Any]:
        with own_demo.test_request_context():
            funds = db.session.scalars(sa.select(Fund).order_by(Fund.id)).all()
            return {(fund.id, year): headline_figures(fund, year) for fund in funds for year in report_years(fund)}

    with own_demo.app_context():
        with db.engine.connect() as connection:
            kept = {table: connection.execute(sa.text(sql)).all() for table, sql in YEAR_FIGURES.items()}
        assert {figure for _f, _y, figure, _k, _n in kept["results_year_totals"]} >= {
            "state", "country", "indicators", "reported", "started_in_area", "accepted"
        }  # fmt: skip
        before = pages()
        assert any(page["summary"]["indicators_reported"] for page in before.values())
        db.session.remove()
        downgrade_demo(BEFORE_YEAR_TOTALS)
        assert "results_year_totals" not in db.inspect(db.engine).get_table_names()
        db.session.remove()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert {table: connection.execute(sa.text(sql)).all() for table, sql in YEAR_FIGURES.items()} == kept
        assert pages() == before


# --- d4f81b6e2a57: the reported expenditure kept per fund and organization (the balances, the dashboard) ---

BEFORE_EXPENDITURE_TOTALS = "b7e2c9d4a816"


def test_upgrade_sums_each_organizations_reported_expenditure_and_the_balances_stay_the_same(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous revision keeps no expenditure totals; the upgrade sums every organization's reported
    figures by the application's rule (a year's certified figures, else its interim ones): the balances and the money
    per organization are those summed from the figures, to the cent, and the kept rows those summed afresh. A
    correction after the upgrade counts at once."""
    from fundmgr.finance import operations as finance_ops
    from fundmgr.finance.models import Allocation, Expenditure, ExpenditureKind, rebuild_expenditure_totals
    from fundmgr.finance.queries import balances, expenditure_by_organization, money_by_organization
    from fundmgr.proposals.models import Proposal

    def figures(fund: Fund, as_at: date | None = None) -> tuple[Any, ...]:
        return expenditure_by_organization(fund, as_at), balances(fund, as_at), money_by_organization(fund, as_at)

    later = date(9999, 12, 31)
    with own_demo.app_context():
        funds = list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))
        before = {fund.id: figures(fund, later) for fund in funds}
        assert any(spent for spent, _b, _m in before.values()), before
        db.session.remove()
        downgrade_demo(BEFORE_EXPENDITURE_TOTALS)
        assert "expenditure_totals" not in db.inspect(db.engine).get_table_names()
        db.session.remove()
        flask_migrate.upgrade()
        for fund in db.session.scalars(sa.select(Fund).order_by(Fund.id)):
            assert figures(fund) == before[fund.id]
            savepoint = db.session.begin_nested()
            rebuild_expenditure_totals(db.session.connection())
            assert expenditure_by_organization(fund) == before[fund.id][0]
            savepoint.rollback()
        certified = db.session.scalars(
            sa.select(Expenditure)
            .join(Allocation, Allocation.id == Expenditure.allocation_id)
            .join(Proposal, Proposal.id == Allocation.proposal_id)
            .where(Expenditure.kind == ExpenditureKind.annual, Expenditure.amount > 0)
            .where(Proposal.state == ProposalState.active, Proposal.financially_closed_on.is_(None))
            .order_by(Expenditure.id)
        ).first()
        assert certified is not None
        fund = db.session.get(Fund, certified.fund_id)
        organization_id = certified.allocation.organization_id
        finance_ops.record_expenditure(
            certified.allocation, year=certified.year, category=certified.category, kind=certified.kind,
            amount=certified.amount - Decimal("0.01"), actor=None,
        )  # fmt: skip
        db.session.commit()
        assert figures(fund) == figures(fund, later)
        spent = expenditure_by_organization(fund)
        assert spent[organization_id] == before[fund.id][0][organization_id] - Decimal("0.01")


# --- a6d3f8c1e925: indexes for counting a fund's funded programmes and for the programmes started in a span ---

BEFORE_FUNDED_COUNT_INDEXES = "d4f81b6e2a57"


def test_upgrade_indexes_the_funded_proposals_and_the_programmes_starts_and_the_counts_stay_the_same(
    committed, own_demo, downgrade_demo
):
    """The demo at the previous revision indexes proposals by fund and state only and programmes not by their start;
    after the upgrade the proposals' index holds their ids too and the programmes' starts are indexed, and every fund
    counts as many funded programmes, overdue reports and programmes started per area as it did before."""
    from fundmgr.proposals.models import FUNDED_STATES, Proposal
    from fundmgr.results import queries as rq
    from fundmgr.results.models import Programme

    def indexes(table: str) -> set[str]:
        return {index["name"] for index in db.inspect(db.engine).get_indexes(table)}

    def counts(fund: Fund) -> tuple[Any, ...]:
        programmes = (
            sa.select(sa.func.count(Programme.id))
            .join(Programme.proposal)
            .where(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))
        )
        today = clock.today(fund)
        return (
            db.session.scalar(programmes),
            rq.count(rq.overdue_periods(fund, today)),
            rq.programmes_by_area(fund, date(today.year, 6, 30)),
        )

    with own_demo.app_context():
        funds = list(db.session.scalars(sa.select(Fund).order_by(Fund.id)))
        before = {fund.id: counts(fund) for fund in funds}
        assert any(programmes for programmes, _overdue, _areas in before.values()), before
        db.session.remove()
        downgrade_demo(BEFORE_FUNDED_COUNT_INDEXES)
        assert "ix_proposals_fund_state" in indexes("proposals")
        assert "ix_proposals_fund_state_id" not in indexes("proposals")
        assert "ix_programmes_start_date" not in indexes("programmes")
        db.session.remove()
        flask_migrate.upgrade()
        assert "ix_proposals_fund_state_id" in indexes("proposals")
        assert "ix_proposals_fund_state" not in indexes("proposals")
        assert "ix_programmes_start_date" in indexes("programmes")
        for fund in db.session.scalars(sa.select(Fund).order_by(Fund.id)):
            assert counts(fund) == before[fund.id]


# --- c3e9a1f5d7b2: what a fund's concept notes ask beyond the common case ---

BEFORE_CONCEPT_NOTE = "a6d3f8c1e925"


def test_upgrade_has_existing_funds_ask_corridors_and_the_knowledge_platform_until_their_file_says(
    own_database, tmp_path
):
    """A fund stored before asked both Migration MPTF questions: does it still, until its file is loaded again, which
    then sets what the file says (a file without the section: neither)?"""
    from fundmgr.funds.definition import bundled_definition
    from fundmgr.funds.operations import load_fund_file

    stored = dict(db.session.execute(sa.select(as_stored("funds")).where(sa.text("code = 'MIG'"))).mappings().one())
    data = yaml.safe_load(bundled_definition().read_text(encoding="utf-8"))
    del data["concept_note"]
    without = tmp_path / "migration-without-concept-note.yaml"
    without.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with own_database.app_context():
        flask_migrate.upgrade(revision=BEFORE_CONCEPT_NOTE)
        with db.engine.begin() as connection:
            connection.execute(as_stored("funds").insert(), as_it_was(connection, "funds", [stored]))
        flask_migrate.upgrade()
        fund = db.session.scalars(sa.select(Fund)).one()
        assert (fund.asks_corridors, fund.asks_knowledge_platform) == (True, True)
        load_fund_file(without, actor=None)
        assert (fund.asks_corridors, fund.asks_knowledge_platform) == (False, False)
        db.session.rollback()
        db.session.remove()
        flask_migrate.downgrade(revision=BEFORE_CONCEPT_NOTE)
        assert "concept_note" not in {c["name"] for c in db.inspect(db.engine).get_columns("funds")}
