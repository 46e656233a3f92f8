"""evidence, custody, captures, bundles and share links

Evidence items (captured pages and uploaded files, each deposited), their chain of custody,
evidence bundles (sealed by the deposit of their own hash) and the share links that let someone
without an account download a sealed bundle, with their download log.

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
    op.create_table('evidence_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('deposit_index', sa.BigInteger(), nullable=True),
    sa.Column('files', sa.Integer(), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=True),
    sa.Column('sealed_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(status = 'sealed') = (sha256 IS NOT NULL AND deposit_index IS NOT NULL AND sealed_at IS NOT NULL)", name=op.f('ck_evidence_bundle_sealed_deposited')),
    sa.CheckConstraint("status IN ('queued', 'building', 'sealed', 'failed')", name=op.f('ck_evidence_bundle_status')),
    sa.CheckConstraint('progress >= 0 AND progress <= 1', name=op.f('ck_evidence_bundle_progress')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_evidence_bundle_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_evidence_bundle_created_by_id_user')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_evidence_bundle_task_id_task'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_bundle'))
    )
    with op.batch_alter_table('evidence_bundle', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_bundle_case_status', ['case_id', 'status'], unique=False)

    op.create_table('evidence_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('supplied_by', sa.String(length=300), nullable=False),
    sa.Column('supplied_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('captured_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('deposit_index', sa.BigInteger(), nullable=True),
    sa.Column('exhibit_no', sa.Integer(), nullable=True),
    sa.Column('capture_meta', sa.JSON(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(status = 'done') = (sha256 IS NOT NULL AND deposit_index IS NOT NULL)", name=op.f('ck_evidence_item_done_deposited')),
    sa.CheckConstraint("kind <> 'capture' OR url IS NOT NULL", name=op.f('ck_evidence_item_capture_has_url')),
    sa.CheckConstraint("kind IN ('capture', 'screenshot', 'recording', 'notarial_certificate', 'email', 'other')", name=op.f('ck_evidence_item_kind')),
    sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name=op.f('ck_evidence_item_status')),
    sa.CheckConstraint('sha256 IS NULL OR length(sha256) = 64', name=op.f('ck_evidence_item_sha256')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_evidence_item_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_evidence_item_created_by_id_user')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_evidence_item_task_id_task'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_item'))
    )
    with op.batch_alter_table('evidence_item', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_item_case', ['case_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_item_sha256'), ['sha256'], unique=False)

    op.create_table('share_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('expires_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['evidence_bundle.id'], name=op.f('fk_share_link_bundle_id_evidence_bundle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_share_link_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_link_token_hash'))
    )
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.create_index('ix_share_link_bundle', ['bundle_id'], unique=False)

    op.create_table('custody_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('actor_kind', sa.String(length=12), nullable=False),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('share_link_id', sa.Integer(), nullable=True),
    sa.Column('bundle_id', sa.Integer(), nullable=True),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.CheckConstraint("action IN ('view', 'download', 'export', 'share_download')", name=op.f('ck_custody_event_action')),
    sa.CheckConstraint("actor_kind IN ('user', 'token', 'share_link', 'job', 'system')", name=op.f('ck_custody_event_actor_kind')),
    sa.ForeignKeyConstraint(['bundle_id'], ['evidence_bundle.id'], name=op.f('fk_custody_event_bundle_id_evidence_bundle'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_item.id'], name=op.f('fk_custody_event_item_id_evidence_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_link_id'], ['share_link.id'], name=op.f('fk_custody_event_share_link_id_share_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_custody_event_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_event'))
    )
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.create_index('ix_custody_event_item_at', ['item_id', 'at'], unique=False)

    op.create_table('share_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['share_link.id'], name=op.f('fk_share_download_link_id_share_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_download'))
    )
    with op.batch_alter_table('share_download', schema=None) as batch_op:
        batch_op.create_index('ix_share_download_link_at', ['link_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('share_download', schema=None) as batch_op:
        batch_op.drop_index('ix_share_download_link_at')
    op.drop_table('share_download')
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_event_item_at')
    op.drop_table('custody_event')
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.drop_index('ix_share_link_bundle')
    op.drop_table('share_link')
    with op.batch_alter_table('evidence_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_item_sha256'))
        batch_op.drop_index('ix_evidence_item_case')
    op.drop_table('evidence_item')
    with op.batch_alter_table('evidence_bundle', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_bundle_case_status')
    op.drop_table('evidence_bundle')
