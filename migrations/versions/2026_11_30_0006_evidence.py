"""evidence, custody, captures, bundles and share links

Placeholder in the chain, filled in by the domain that owns it.

Revision ID: 0006_evidence
Revises: 0005_documents
Create Date: 2026-11-30 04:45:00

"""
from alembic import op
import sqlalchemy as sa

import casework.models.base


# revision identifiers, used by Alembic.
revision = '0006_evidence'
down_revision = '0005_documents'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
