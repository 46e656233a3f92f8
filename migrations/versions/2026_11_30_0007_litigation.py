"""litigation records, hearings and parties

Records per case, with parties, hearings (each with a court_hearing deadline), costs and filings.
Documents and bundles filed are referenced by id only (their tables live in other revisions).

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
    op.create_table(
        "litigation_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("court", sa.String(length=300), nullable=False),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("cause_of_action", sa.String(length=300), nullable=False),
        sa.Column("filing_date", sa.Date(), nullable=True),
        sa.Column("claim_amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("claim_currency", sa.String(length=3), nullable=False),
        sa.Column("injunction_sought", sa.Boolean(), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("amount_awarded_minor", sa.BigInteger(), nullable=True),
        sa.Column("amount_paid_minor", sa.BigInteger(), nullable=True),
        sa.Column("resolution_currency", sa.String(length=3), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=False),
        sa.Column("created_at", casework.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", casework.models.base.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("resolution IS NULL OR resolution IN ('settled', 'judgment_won', 'judgment_lost')",
                           name=op.f("ck_litigation_record_resolution")),
        sa.CheckConstraint("(resolution IS NULL) = (resolved_on IS NULL)",
                           name=op.f("ck_litigation_record_resolution_has_date")),
        sa.CheckConstraint("claim_amount_minor IS NULL OR claim_amount_minor >= 0",
                           name=op.f("ck_litigation_record_claim_amount")),
        sa.CheckConstraint("amount_awarded_minor IS NULL OR amount_awarded_minor >= 0",
                           name=op.f("ck_litigation_record_amount_awarded")),
        sa.CheckConstraint("amount_paid_minor IS NULL OR amount_paid_minor >= 0",
                           name=op.f("ck_litigation_record_amount_paid")),
        sa.CheckConstraint("length(claim_currency) = 3 AND length(resolution_currency) = 3",
                           name=op.f("ck_litigation_record_currencies")),
        sa.CheckConstraint("resolution IS NULL OR resolution != 'judgment_lost' OR amount_awarded_minor IS NULL "
                           "OR amount_awarded_minor = 0", name=op.f("ck_litigation_record_lost_awards_nothing")),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_litigation_record_case_id_case"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_litigation_record_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_record")),
        sa.UniqueConstraint("case_id", name=op.f("uq_litigation_record_case_id")),
    )
    op.create_index(op.f("ix_litigation_record_case_number"), "litigation_record", ["case_number"], unique=False)

    op.create_table(
        "litigation_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("counsel_name", sa.String(length=200), nullable=False),
        sa.Column("counsel_firm", sa.String(length=300), nullable=False),
        sa.Column("counsel_contact", sa.String(length=300), nullable=False),
        sa.CheckConstraint("side IN ('plaintiff', 'defendant', 'third_party')", name=op.f("ck_litigation_party_side")),
        sa.ForeignKeyConstraint(["record_id"], ["litigation_record.id"],
                                name=op.f("fk_litigation_party_record_id_litigation_record"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_party")),
    )
    op.create_index(op.f("ix_litigation_party_record_id"), "litigation_party", ["record_id"], unique=False)

    op.create_table(
        "litigation_hearing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("at", casework.models.base.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('pretrial', 'evidence_exchange', 'mediation', 'trial', 'judgment', 'other')",
                           name=op.f("ck_litigation_hearing_kind")),
        sa.ForeignKeyConstraint(["deadline_id"], ["deadline.id"],
                                name=op.f("fk_litigation_hearing_deadline_id_deadline"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["record_id"], ["litigation_record.id"],
                                name=op.f("fk_litigation_hearing_record_id_litigation_record"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_hearing")),
    )
    op.create_index("ix_litigation_hearing_at", "litigation_hearing", ["at"], unique=False)
    op.create_index(op.f("ix_litigation_hearing_record_id"), "litigation_hearing", ["record_id"], unique=False)

    op.create_table(
        "litigation_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.CheckConstraint("kind IN ('court_fee', 'attorney_fee', 'notary_fee', 'evidence_fee', 'travel', 'other')",
                           name=op.f("ck_litigation_cost_kind")),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_litigation_cost_amount")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_litigation_cost_currency")),
        sa.ForeignKeyConstraint(["record_id"], ["litigation_record.id"],
                                name=op.f("fk_litigation_cost_record_id_litigation_record"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_cost")),
    )
    op.create_index(op.f("ix_litigation_cost_record_id"), "litigation_cost", ["record_id"], unique=False)

    op.create_table(
        "litigation_filing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.CheckConstraint("kind IN ('document', 'bundle')", name=op.f("ck_litigation_filing_kind")),
        sa.ForeignKeyConstraint(["record_id"], ["litigation_record.id"],
                                name=op.f("fk_litigation_filing_record_id_litigation_record"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigation_filing")),
        sa.UniqueConstraint("record_id", "kind", "ref_id", name="uq_litigation_filing_ref"),
    )
    op.create_index(op.f("ix_litigation_filing_record_id"), "litigation_filing", ["record_id"], unique=False)


def downgrade():
    for table in ("litigation_filing", "litigation_cost", "litigation_hearing", "litigation_party"):
        op.drop_table(table)
    op.drop_index(op.f("ix_litigation_record_case_number"), table_name="litigation_record")
    op.drop_table("litigation_record")
