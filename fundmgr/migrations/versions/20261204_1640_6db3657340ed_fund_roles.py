"""fund roles: people hold their role per fund; administrators keep theirs on the whole installation.

Every existing person who is not an administrator keeps their rights: they get their role on every fund loaded.
`users.role` stays (administrators are `admin` there; for others it is the role they were registered with,
which the constituency check still reads): no rights question reads it but for administrators.

Revision ID: 6db3657340ed
Revises: 5c1d7e2a9f30
Create Date: 2026-12-04 16:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6db3657340ed"
down_revision = "5c1d7e2a9f30"
branch_labels = None
depends_on = None

ROLE = sa.Enum("admin", "fmu", "sc_member", "agency", "viewer", name="role", native_enum=False, length=40)


def upgrade() -> None:
    op.create_table(
        "fund_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("role", ROLE, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_fund_roles_fund_id_funds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_fund_roles_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_roles")),
        sa.UniqueConstraint("user_id", "fund_id", name=op.f("uq_fund_roles_user_id_fund_id")),
    )
    with op.batch_alter_table("fund_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fund_roles_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fund_roles_user_id"), ["user_id"], unique=False)
    # Everyone keeps the rights they had: their role on every fund (the role was the same on all of them).
    op.execute(
        "INSERT INTO fund_roles (user_id, fund_id, role, since) "
        "SELECT users.id, funds.id, users.role, CURRENT_TIMESTAMP FROM users CROSS JOIN funds "
        "WHERE users.role <> 'admin'"
    )


def downgrade() -> None:
    with op.batch_alter_table("fund_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_roles_user_id"))
        batch_op.drop_index(batch_op.f("ix_fund_roles_fund_id"))
    op.drop_table("fund_roles")
