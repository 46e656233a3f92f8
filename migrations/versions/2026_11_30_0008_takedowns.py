"""takedown notices and their states

Takedown notices (one per platform per case, linked to their notice document and to the case URLs
they cover), their deposited history, and per-platform response times.

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
    op.create_table('platform_takedown_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('response_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint('response_days >= 1 AND response_days <= 90', name=op.f('ck_platform_takedown_policy_response_days')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_platform_takedown_policy_platform_id_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_takedown_policy')),
    sa.UniqueConstraint('platform_id', name='uq_platform_takedown_policy_platform_id')
    )
    op.create_table('takedown_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=2), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('sent_channel', sa.String(length=10), nullable=True),
    sa.Column('sent_recipient', sa.String(length=500), nullable=False),
    sa.Column('sent_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('platform_reference', sa.String(length=300), nullable=False),
    sa.Column('first_response_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('platform_reported_removed_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('removed_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('refused_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.Column('counter_notice_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('counter_notice_content', sa.Text(), nullable=False),
    sa.Column('restored_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("format IN ('us', 'cn')", name=op.f('ck_takedown_notice_format')),
    sa.CheckConstraint("sent_channel IS NULL OR sent_channel IN ('email', 'web_form', 'api')", name=op.f('ck_takedown_notice_sent_channel')),
    sa.CheckConstraint("status != 'refused' OR refused_at IS NOT NULL", name=op.f('ck_takedown_notice_refused_has_time')),
    sa.CheckConstraint("status != 'removed' OR removed_at IS NOT NULL", name=op.f('ck_takedown_notice_removed_has_time')),
    sa.CheckConstraint("status != 'restored' OR restored_at IS NOT NULL", name=op.f('ck_takedown_notice_restored_has_time')),
    sa.CheckConstraint("status != 'withdrawn' OR withdrawn_at IS NOT NULL", name=op.f('ck_takedown_notice_withdrawn_has_time')),
    sa.CheckConstraint("status = 'draft' OR status = 'withdrawn' OR sent_at IS NOT NULL", name=op.f('ck_takedown_notice_sent_has_time')),
    sa.CheckConstraint("status IN ('draft', 'sent', 'acknowledged', 'removed', 'refused', 'counter_notice', 'restored', 'withdrawn')", name=op.f('ck_takedown_notice_status')),
    sa.CheckConstraint("status NOT IN ('counter_notice', 'restored') OR counter_notice_at IS NOT NULL", name=op.f('ck_takedown_notice_counter_notice_has_time')),
    sa.CheckConstraint('(sent_at IS NULL) = (sent_channel IS NULL)', name=op.f('ck_takedown_notice_sent_has_channel')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_takedown_notice_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_takedown_notice_created_by_id_user')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_takedown_notice_document_id_document'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_takedown_notice_platform_id_platform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_notice'))
    )
    op.create_index('ix_takedown_case_platform', 'takedown_notice', ['case_id', 'platform_id'], unique=False)
    op.create_index(op.f('ix_takedown_notice_document_id'), 'takedown_notice', ['document_id'], unique=False)
    op.create_index('ix_takedown_platform_sent', 'takedown_notice', ['platform_id', 'sent_at', 'first_response_at', 'removed_at'], unique=False)
    op.create_index('ix_takedown_platform_status', 'takedown_notice', ['platform_id', 'status'], unique=False)
    op.create_table('takedown_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('takedown_id', sa.Integer(), nullable=False),
    sa.Column('at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('actor_ref', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('deposit_index', sa.Integer(), nullable=True),
    sa.CheckConstraint("from_status IS NULL OR from_status IN ('draft', 'sent', 'acknowledged', 'removed', 'refused', 'counter_notice', 'restored', 'withdrawn')", name=op.f('ck_takedown_event_from_status')),
    sa.CheckConstraint("to_status IN ('draft', 'sent', 'acknowledged', 'removed', 'refused', 'counter_notice', 'restored', 'withdrawn')", name=op.f('ck_takedown_event_to_status')),
    sa.ForeignKeyConstraint(['takedown_id'], ['takedown_notice.id'], name=op.f('fk_takedown_event_takedown_id_takedown_notice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_takedown_event'))
    )
    op.create_index('ix_takedown_event_takedown_at', 'takedown_event', ['takedown_id', 'at'], unique=False)
    op.create_table('takedown_url',
    sa.Column('takedown_id', sa.Integer(), nullable=False),
    sa.Column('case_url_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_url_id'], ['case_url.id'], name=op.f('fk_takedown_url_case_url_id_case_url'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['takedown_id'], ['takedown_notice.id'], name=op.f('fk_takedown_url_takedown_id_takedown_notice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('takedown_id', 'case_url_id', name=op.f('pk_takedown_url'))
    )
    op.create_index(op.f('ix_takedown_url_case_url_id'), 'takedown_url', ['case_url_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_takedown_url_case_url_id'), table_name='takedown_url')
    op.drop_table('takedown_url')
    op.drop_index('ix_takedown_event_takedown_at', table_name='takedown_event')
    op.drop_table('takedown_event')
    op.drop_index('ix_takedown_platform_status', table_name='takedown_notice')
    op.drop_index('ix_takedown_platform_sent', table_name='takedown_notice')
    op.drop_index(op.f('ix_takedown_notice_document_id'), table_name='takedown_notice')
    op.drop_index('ix_takedown_case_platform', table_name='takedown_notice')
    op.drop_table('takedown_notice')
    op.drop_table('platform_takedown_policy')
