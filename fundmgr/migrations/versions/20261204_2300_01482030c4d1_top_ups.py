"""finance: top-ups (cost extensions), a new allocation to the same programme after a request and a decision; budget
revisions, direct costs moved between budget lines and frozen as the proposal's next version.

An organization of a programme may now hold several allocations (the approval's and each top-up's), so the
allocations lose their uniqueness per proposal and organization and gain the top-up they carry out; the fund gets
the amount above which the Steering Committee decides a top-up (0 until the definition file is loaded again: the
committee decides every top-up) and the share of the budget a revision moves above which the committee decides it
(10%). Existing allocations are kept as they are (none carries a top-up).

Downgrading folds each top-up's allocation into the organization's earlier allocation of the same programme
(amounts added, its transfers, expenditure and ledger entries moved there) and forgets the requests; budget
revisions are forgotten (the versions they froze stay).

Revision ID: 01482030c4d1
Revises: a4374bee606a
Create Date: 2026-12-04 23:00:00.000000

"""

import contextlib
from typing import Any

import sqlalchemy as sa
from alembic import op

from fundmgr.db import ScaledDecimal
from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "01482030c4d1"
down_revision = "a4374bee606a"
branch_labels = None
depends_on = None

def rebuilding() -> Any:
    """Foreign keys off around SQLite's rebuild of allocations (nothing to do on PostgreSQL, which alters it)."""
    return foreign_keys_off() if op.get_bind().dialect.name == "sqlite" else contextlib.nullcontext()


STATE = sa.Enum("requested", "forwarded", "approved", "refused", name="topupstate", native_enum=False, length=40)


def upgrade() -> None:
    op.add_column(
        "funds", sa.Column("top_up_committee_above", ScaledDecimal(18, 2), server_default="0", nullable=False)
    )
    op.create_table(
        "top_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_top_ups_amount_positive")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_top_ups_fund_id_funds")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_top_ups_proposal_id_proposals")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_top_ups_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_top_ups_requested_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_top_ups_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_top_ups")),
        sa.UniqueConstraint("proposal_id", "number", name=op.f("uq_top_ups_proposal_id_number")),
    )
    op.create_index(op.f("ix_top_ups_fund_id"), "top_ups", ["fund_id"])
    op.create_index(op.f("ix_top_ups_proposal_id"), "top_ups", ["proposal_id"])
    sqlite = op.get_bind().dialect.name == "sqlite"  # rates are stored scaled there (millionths)
    op.add_column("funds", sa.Column("revision_committee_share", ScaledDecimal(12, 6),
                                     server_default="100000" if sqlite else "0.10", nullable=False))  # fmt: skip
    op.create_table(
        "budget_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("from_organization_id", sa.Integer(), nullable=False),
        sa.Column("from_category", sa.String(length=40), nullable=False),
        sa.Column("to_organization_id", sa.Integer(), nullable=False),
        sa.Column("to_category", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", ScaledDecimal(18, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", STATE, nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_budget_revisions_amount_positive")),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_budget_revisions_fund_id_funds")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"],
                                name=op.f("fk_budget_revisions_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["base_version_id"], ["proposal_versions.id"],
                                name=op.f("fk_budget_revisions_base_version_id_proposal_versions")),
        sa.ForeignKeyConstraint(["version_id"], ["proposal_versions.id"],
                                name=op.f("fk_budget_revisions_version_id_proposal_versions")),
        sa.ForeignKeyConstraint(["from_organization_id"], ["organizations.id"],
                                name=op.f("fk_budget_revisions_from_organization_id_organizations")),
        sa.ForeignKeyConstraint(["to_organization_id"], ["organizations.id"],
                                name=op.f("fk_budget_revisions_to_organization_id_organizations")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_budget_revisions_requested_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_budget_revisions_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_revisions")),
        sa.UniqueConstraint("proposal_id", "number", name=op.f("uq_budget_revisions_proposal_id_number")),
    )  # fmt: skip
    op.create_index(op.f("ix_budget_revisions_fund_id"), "budget_revisions", ["fund_id"])
    op.create_index(op.f("ix_budget_revisions_proposal_id"), "budget_revisions", ["proposal_id"])
    # SQLite rebuilds allocations: with foreign keys on, dropping the old table would fail (transfers, ledger
    # entries and expenditure point at it); off around the rebuild, every row keeps its id
    with rebuilding(), op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_allocations_proposal_id_organization_id", type_="unique")
        batch_op.add_column(sa.Column("top_up_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_allocations_top_up_id_top_ups"), "top_ups", ["top_up_id"], ["id"])
        batch_op.create_unique_constraint(batch_op.f("uq_allocations_top_up_id"), ["top_up_id"])


allocations = sa.table(
    "allocations",
    sa.column("id", sa.Integer),
    sa.column("proposal_id", sa.Integer),
    sa.column("organization_id", sa.Integer),
    sa.column("top_up_id", sa.Integer),
    sa.column("direct", sa.BigInteger),
    sa.column("indirect", sa.BigInteger),
    sa.column("total", sa.BigInteger),
)


def fold_top_ups() -> None:
    """Each top-up's allocation into the organization's first allocation of the programme (see the docstring)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(allocations.c.id, allocations.c.proposal_id, allocations.c.organization_id)
        .where(allocations.c.top_up_id.is_not(None))
        .order_by(allocations.c.id)
    ).all()
    for top_up_id, proposal_id, organization_id in rows:
        first = bind.scalar(
            sa.select(sa.func.min(allocations.c.id)).where(
                allocations.c.proposal_id == proposal_id, allocations.c.organization_id == organization_id
            )
        )
        if first == top_up_id:
            continue  # the organization had nothing else: its allocation stays alone
        parts = bind.execute(
            sa.select(allocations.c.direct, allocations.c.indirect, allocations.c.total).where(
                allocations.c.id == top_up_id
            )
        ).one()
        bind.execute(
            allocations.update()
            .where(allocations.c.id == first)
            .values(
                direct=allocations.c.direct + parts.direct,
                indirect=allocations.c.indirect + parts.indirect,
                total=allocations.c.total + parts.total,
            )
        )
        last = bind.scalar(sa.text("SELECT COALESCE(MAX(tranche), 0) FROM transfers WHERE allocation_id = :a"),
                           {"a": first})  # fmt: skip
        bind.execute(
            sa.text("UPDATE transfers SET allocation_id = :first, tranche = tranche + :last WHERE allocation_id = :a"),
            {"first": first, "last": last, "a": top_up_id},
        )
        bind.execute(sa.text("UPDATE ledger_entries SET allocation_id = :first WHERE allocation_id = :a"),
                     {"first": first, "a": top_up_id})  # fmt: skip
        # expenditure on the same year, category and kind adds up; the rest moves
        bind.execute(
            sa.text(
                "UPDATE expenditures SET amount = amount + (SELECT t.amount FROM expenditures t "
                "WHERE t.allocation_id = :a AND t.year = expenditures.year AND t.category_id = expenditures.category_id "
                "AND t.kind = expenditures.kind) WHERE allocation_id = :first AND EXISTS (SELECT 1 FROM expenditures t "
                "WHERE t.allocation_id = :a AND t.year = expenditures.year AND t.category_id = expenditures.category_id "
                "AND t.kind = expenditures.kind)"
            ),
            {"first": first, "a": top_up_id},
        )
        bind.execute(
            sa.text(
                "DELETE FROM expenditures WHERE allocation_id = :a AND EXISTS (SELECT 1 FROM expenditures f "
                "WHERE f.allocation_id = :first AND f.year = expenditures.year "
                "AND f.category_id = expenditures.category_id AND f.kind = expenditures.kind)"
            ),
            {"first": first, "a": top_up_id},
        )
        bind.execute(sa.text("UPDATE expenditures SET allocation_id = :first WHERE allocation_id = :a"),
                     {"first": first, "a": top_up_id})  # fmt: skip
        bind.execute(allocations.delete().where(allocations.c.id == top_up_id))


def downgrade() -> None:
    fold_top_ups()
    with rebuilding(), op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_allocations_top_up_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_allocations_top_up_id_top_ups"), type_="foreignkey")
        batch_op.drop_column("top_up_id")
        batch_op.create_unique_constraint(
            "uq_allocations_proposal_id_organization_id", ["proposal_id", "organization_id"]
        )
    op.drop_index(op.f("ix_budget_revisions_proposal_id"), table_name="budget_revisions")
    op.drop_index(op.f("ix_budget_revisions_fund_id"), table_name="budget_revisions")
    op.drop_table("budget_revisions")
    op.drop_column("funds", "revision_committee_share")
    op.drop_index(op.f("ix_top_ups_proposal_id"), table_name="top_ups")
    op.drop_index(op.f("ix_top_ups_fund_id"), table_name="top_ups")
    op.drop_table("top_ups")
    op.drop_column("funds", "top_up_committee_above")
