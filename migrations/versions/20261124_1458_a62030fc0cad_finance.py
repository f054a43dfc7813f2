"""finance

Revision ID: a62030fc0cad
Revises: 718925c4b6d2
Create Date: 2026-11-24 14:58:52.763591

"""
from alembic import op
import sqlalchemy as sa

import fundmgr.db


# revision identifiers, used by Alembic.
revision = 'a62030fc0cad'
down_revision = '718925c4b6d2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
