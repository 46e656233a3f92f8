"""takedown notices and their states

Placeholder in the chain, filled in by the domain that owns it.

Revision ID: 0008_takedowns
Revises: 0007_litigation
Create Date: 2026-11-30 04:45:00

"""
from alembic import op
import sqlalchemy as sa

import casework.models.base


# revision identifiers, used by Alembic.
revision = '0008_takedowns'
down_revision = '0007_litigation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
