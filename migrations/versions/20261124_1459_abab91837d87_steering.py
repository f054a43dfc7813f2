"""steering

Revision ID: abab91837d87
Revises: a62030fc0cad
Create Date: 2026-11-24 14:59:54.549599

"""
from alembic import op
import sqlalchemy as sa

import fundmgr.db


# revision identifiers, used by Alembic.
revision = 'abab91837d87'
down_revision = 'a62030fc0cad'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
