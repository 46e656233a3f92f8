"""documents, templates, versions and sendings

Documents (letters, notices, certificates, catalogues), admin-edited template versions, and sendings.

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
    op.create_table('document_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('cease_desist', 'takedown_notice_us', 'takedown_notice_cn', 'deposit_certificate', 'evidence_catalogue')", name=op.f('ck_document_template_kind')),
    sa.CheckConstraint("lang IN ('zh', 'en')", name=op.f('ck_document_template_lang')),
    sa.CheckConstraint('version > 0', name=op.f('ck_document_template_version')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_document_template_author_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_template')),
    sa.UniqueConstraint('kind', 'lang', 'version', name='uq_document_template_kind_lang_version')
    )
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('work_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('file_number', sa.String(length=100), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('deposit_index', sa.BigInteger(), nullable=True),
    sa.Column('pades_level', sa.String(length=5), nullable=True),
    sa.Column('sent_channel', sa.String(length=15), nullable=True),
    sa.Column('sent_to', sa.String(length=500), nullable=True),
    sa.Column('sent_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('response_due_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('answered_at', casework.models.base.UTCDateTime(), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=False),
    sa.CheckConstraint("NOT (status != 'draft') OR approved_at IS NOT NULL", name=op.f('ck_document_approved_has_time')),
    sa.CheckConstraint("NOT (status IN ('sent', 'answered', 'no_answer')) OR sent_at IS NOT NULL", name=op.f('ck_document_sent_has_time')),
    sa.CheckConstraint("NOT (status IN ('signed', 'sent', 'answered', 'no_answer')) OR (sha256 IS NOT NULL AND deposit_index IS NOT NULL AND signed_at IS NOT NULL)", name=op.f('ck_document_signed_has_pdf')),
    sa.CheckConstraint("kind IN ('cease_desist', 'takedown_notice_us', 'takedown_notice_cn', 'deposit_certificate', 'evidence_catalogue')", name=op.f('ck_document_kind')),
    sa.CheckConstraint("lang IN ('zh', 'en')", name=op.f('ck_document_lang')),
    sa.CheckConstraint("pades_level IS NULL OR pades_level IN ('B-B', 'B-T', 'B-LT', 'B-LTA')", name=op.f('ck_document_pades_level')),
    sa.CheckConstraint("status != 'answered' OR answered_at IS NOT NULL", name=op.f('ck_document_answered_has_time')),
    sa.CheckConstraint("status IN ('draft', 'approved', 'signed', 'sent', 'answered', 'no_answer')", name=op.f('ck_document_status')),
    sa.CheckConstraint('case_id IS NOT NULL OR work_id IS NOT NULL', name=op.f('ck_document_has_subject')),
    sa.CheckConstraint('sha256 IS NULL OR length(sha256) = 64', name=op.f('ck_document_sha256')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_document_approved_by_id_user')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_document_case_id_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_document_created_by_id_user')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_document_signed_by_id_user')),
    sa.ForeignKeyConstraint(['template_id'], ['document_template.id'], name=op.f('fk_document_template_id_document_template')),
    sa.ForeignKeyConstraint(['work_id'], ['work.id'], name=op.f('fk_document_work_id_work'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sa.UniqueConstraint('public_id', name=op.f('uq_document_public_id'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index('ix_document_case_created', ['case_id', 'created_at'], unique=False)
        batch_op.create_index('ix_document_sha256', ['sha256'], unique=False)
        batch_op.create_index('ix_document_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_work_id'), ['work_id'], unique=False)

    op.create_table('document_sending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=15), nullable=False),
    sa.Column('recipient', sa.String(length=500), nullable=False),
    sa.Column('at', casework.models.base.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'post', 'platform_form')", name=op.f('ck_document_sending_channel')),
    sa.CheckConstraint("delivery IN ('recorded', 'queued', 'delivered', 'failed')", name=op.f('ck_document_sending_delivery')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_document_sending_actor_id_user')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_sending_document_id_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_sending'))
    )
    with op.batch_alter_table('document_sending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_sending_document_id'), ['document_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_sending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_sending_document_id'))

    op.drop_table('document_sending')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_work_id'))
        batch_op.drop_index('ix_document_status_created')
        batch_op.drop_index('ix_document_sha256')
        batch_op.drop_index('ix_document_case_created')

    op.drop_table('document')
    op.drop_table('document_template')
