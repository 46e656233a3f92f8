"""notifications, preferences, webhooks and deliveries

Inbox notifications with their e-mail state, per-user preferences, webhook subscriptions and the
webhook delivery log; the schedule rows of their jobs.

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
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('delivery', sa.String(length=9), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('inbox', sa.Boolean(), nullable=False),
    sa.Column('updated_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("delivery IN ('off', 'immediate', 'digest')", name=op.f('ck_notification_preference_delivery')),
    sa.CheckConstraint("kind IN ('case_stage', 'case_assigned', 'deadline_soon', 'escalation')", name=op.f('ck_notification_preference_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preference'))
    )
    op.create_table('webhook_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('disabled_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_webhook_subscription_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('read_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('in_inbox', sa.Boolean(), nullable=False),
    sa.Column('mail', sa.String(length=9), nullable=False),
    sa.Column('emailed_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('case_stage', 'case_assigned', 'deadline_soon', 'escalation')", name=op.f('ck_notification_kind')),
    sa.CheckConstraint("mail IN ('none', 'immediate', 'digest')", name=op.f('ck_notification_mail')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_notification_attempts')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_notification_case_id_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('user_id', 'event_id', name='uq_notification_user_event')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_notification_mail_due', ['next_attempt_at'], unique=False)
        batch_op.create_index('ix_notification_user_inbox', ['user_id', 'in_inbox', 'read_at'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('next_attempt_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.CheckConstraint("(status = 'retry') = (next_attempt_at IS NOT NULL)", name=op.f('ck_webhook_delivery_retry_has_time')),
    sa.CheckConstraint("status IN ('delivered', 'retry', 'retried', 'failed')", name=op.f('ck_webhook_delivery_status')),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'], name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_webhook_delivery_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_delivery_subscription_at', ['subscription_id', 'at'], unique=False)

    # The jobs are scheduled as data (see casework/jobs): events to inbox rows every minute, due
    # e-mails (immediate, retries and the daily digests) every minute, webhook deliveries every 30 s.
    schedule = sa.table("job_schedule", sa.column("job", sa.String), sa.column("interval_seconds", sa.Integer),
                        sa.column("cron", sa.String), sa.column("enabled", sa.Boolean),
                        sa.column("description", sa.String))
    op.bulk_insert(schedule, [
        {"job": "notifications", "interval_seconds": 60, "cron": None, "enabled": True,
         "description": "Make inbox notifications from committed outbox events"},
        {"job": "notification_mail", "interval_seconds": 60, "cron": None, "enabled": True,
         "description": "Send due notification e-mails and daily digests; retry failed sends"},
        {"job": "webhooks", "interval_seconds": 30, "cron": None, "enabled": True,
         "description": "Deliver signed outbox events to webhook subscribers; retry failed deliveries"},
    ])


def downgrade():
    op.execute("DELETE FROM job_schedule WHERE job IN ('notifications', 'notification_mail', 'webhooks')")
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_delivery_subscription_at')
        batch_op.drop_index('ix_webhook_delivery_status_next')
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_event_id'))

    op.drop_table('webhook_delivery')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_inbox')
        batch_op.drop_index('ix_notification_mail_due')
        batch_op.drop_index(batch_op.f('ix_notification_case_id'))

    op.drop_table('notification')
    op.drop_table('webhook_subscription')
    op.drop_table('notification_preference')
