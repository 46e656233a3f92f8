"""litigation records, hearings and parties

Placeholder in the chain, filled in by the domain that owns it.

Revision ID: 0007_litigation
Revises: 0006_evidence
Create Date: 2026-11-30 04:45:00

"""
from alembic import op
import sqlalchemy as sa

import casework.models.base


# revision identifiers, used by Alembic.
revision = '0007_litigation'
down_revision = '0006_evidence'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
