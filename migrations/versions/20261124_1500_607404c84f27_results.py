"""results

Revision ID: 607404c84f27
Revises: abab91837d87
Create Date: 2026-11-24 15:00:56.318728

"""
from alembic import op
import sqlalchemy as sa

import fundmgr.db


# revision identifiers, used by Alembic.
revision = '607404c84f27'
down_revision = 'abab91837d87'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
