"""documents, templates, versions and sendings

Placeholder in the chain, filled in by the domain that owns it.

Revision ID: 0005_documents
Revises: 0004_case_indexes
Create Date: 2026-11-30 04:45:00

"""
from alembic import op
import sqlalchemy as sa

import casework.models.base


# revision identifiers, used by Alembic.
revision = '0005_documents'
down_revision = '0004_case_indexes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
