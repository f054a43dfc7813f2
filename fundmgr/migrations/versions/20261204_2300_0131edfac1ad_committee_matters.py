"""committee matters: decisions that are not about one proposal.

A decision of the Steering Committee may be about a matter of the fund, decided by a meeting as a whole: adopting
the allocation targets, opening a call, approving the direct costs (the FMU's and secretariat's budget). Its
`subject` says which (every decision taken so far is about a proposal); such a decision has no proposal or version,
its origin is the meeting (who presided over it and its quorum kept on the decision), and a call decision names
the call. The ledger's direct-cost entries name the decision approving them.

Revision ID: 0131edfac1ad
Revises: 29ca2e8f3d7e
Create Date: 2026-12-04 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "0131edfac1ad"
down_revision = "29ca2e8f3d7e"
branch_labels = None
depends_on = None

ONE_ORIGIN_BEFORE = "(item_id IS NULL) <> (procedure_id IS NULL)"
AMOUNT_BEFORE = "(outcome IN ('approve', 'approve_with_conditions')) = (approved_amount IS NOT NULL)"
ONE_ORIGIN = ("(item_id IS NOT NULL AND procedure_id IS NULL AND meeting_id IS NULL) OR "
              "(item_id IS NULL AND procedure_id IS NOT NULL AND meeting_id IS NULL) OR "
              "(item_id IS NULL AND procedure_id IS NULL AND meeting_id IS NOT NULL)")  # fmt: skip
AMOUNT = ("(subject NOT IN ('proposal', 'direct_costs') AND approved_amount IS NULL) OR "
          "(subject IN ('proposal', 'direct_costs') AND "
          "(outcome IN ('approve', 'approve_with_conditions')) = (approved_amount IS NOT NULL))")  # fmt: skip
PROPOSAL_IFF_SUBJECT = "(subject = 'proposal') = (proposal_id IS NOT NULL AND version_id IS NOT NULL)"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with foreign_keys_off() if sqlite else _nothing(), op.batch_alter_table(
        "decisions", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.drop_constraint(op.f("ck_decisions_one_origin"), type_="check")
        batch_op.drop_constraint(op.f("ck_decisions_amount_iff_funded"), type_="check")
        batch_op.add_column(sa.Column("subject", sa.Enum("proposal", "allocation_targets", "call", "direct_costs",
                                                         name="decisionsubject", native_enum=False, length=40),
                                      server_default="proposal", nullable=False))  # fmt: skip
        batch_op.add_column(sa.Column("matter", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("call_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("presided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quorum_record", sa.JSON(), nullable=True))
        batch_op.alter_column("proposal_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_decisions_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_decisions_call_id_calls"), "calls", ["call_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_decisions_meeting_id_meetings"), "meetings", ["meeting_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_decisions_presided_by_id_users"), "users", ["presided_by_id"],
                                    ["id"])  # fmt: skip
        batch_op.create_check_constraint(op.f("ck_decisions_one_origin"), ONE_ORIGIN)
        batch_op.create_check_constraint(op.f("ck_decisions_amount_iff_funded"), AMOUNT)
        batch_op.create_check_constraint(op.f("ck_decisions_proposal_iff_subject"), PROPOSAL_IFF_SUBJECT)
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ledger_entries_decision_id"), ["decision_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_ledger_entries_decision_id_decisions"), "decisions",
                                    ["decision_id"], ["id"])  # fmt: skip


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # What only a matter is goes with it: its ledger entries and links, then the decisions themselves.
    matters = "SELECT id FROM decisions WHERE subject <> 'proposal'"
    op.execute(f"DELETE FROM ledger_entries WHERE decision_id IN ({matters})")
    op.execute(f"DELETE FROM decision_records WHERE decision_id IN ({matters})")
    op.execute("DELETE FROM decisions WHERE subject <> 'proposal'")
    with foreign_keys_off() if sqlite else _nothing(), op.batch_alter_table(
        "ledger_entries", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        if not sqlite:
            batch_op.drop_constraint(batch_op.f("fk_ledger_entries_decision_id_decisions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_decision_id"))
        batch_op.drop_column("decision_id")
    with foreign_keys_off() if sqlite else _nothing(), op.batch_alter_table(
        "decisions", recreate="always" if sqlite else "auto"
    ) as batch_op:  # fmt: skip
        batch_op.drop_constraint(op.f("ck_decisions_proposal_iff_subject"), type_="check")
        batch_op.drop_constraint(op.f("ck_decisions_amount_iff_funded"), type_="check")
        batch_op.drop_constraint(op.f("ck_decisions_one_origin"), type_="check")
        if not sqlite:
            batch_op.drop_constraint(batch_op.f("fk_decisions_presided_by_id_users"), type_="foreignkey")
            batch_op.drop_constraint(batch_op.f("fk_decisions_meeting_id_meetings"), type_="foreignkey")
            batch_op.drop_constraint(batch_op.f("fk_decisions_call_id_calls"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_decisions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_call_id"))
        batch_op.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("proposal_id", existing_type=sa.Integer(), nullable=False)
        for column in ("quorum_record", "presided_by_id", "meeting_id", "call_id", "matter", "subject"):
            batch_op.drop_column(column)
        batch_op.create_check_constraint(op.f("ck_decisions_one_origin"), ONE_ORIGIN_BEFORE)
        batch_op.create_check_constraint(op.f("ck_decisions_amount_iff_funded"), AMOUNT_BEFORE)


class _nothing:  # noqa: N801 - used as `with _nothing():`
    """No context (PostgreSQL alters the table in place)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
