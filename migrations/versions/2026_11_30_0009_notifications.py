"""notifications, preferences, webhooks and deliveries

Placeholder in the chain, filled in by the domain that owns it.

Revision ID: 0009_notifications
Revises: 0008_takedowns
Create Date: 2026-11-30 04:45:00

"""
from alembic import op
import sqlalchemy as sa

import casework.models.base


# revision identifiers, used by Alembic.
revision = '0009_notifications'
down_revision = '0008_takedowns'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
