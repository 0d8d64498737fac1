"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:42:16.943788
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("parent", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", "version"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("outlet", sa.String(length=200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("duplicate_of", sa.String(length=64), nullable=True),
        sa.Column("reliability", sa.String(length=1), nullable=False),
        sa.Column("affiliation", sa.String(length=100), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["documents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_duplicate_of"), ["duplicate_of"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_documents_external_id"), ["external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_outlet"), ["outlet"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_documents_published_at"), ["published_at"], unique=False
        )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("perpetrators", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("place", sa.JSON(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("admin1", sa.String(length=100), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=10), nullable=False),
        sa.Column("fatalities_min", sa.Integer(), nullable=True),
        sa.Column("fatalities_max", sa.Integer(), nullable=True),
        sa.Column("independent_sources", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("review_status", sa.String(length=20), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["incidents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_admin1"), ["admin1"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_date_from"), ["date_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_date_to"), ["date_to"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_event_type"), ["event_type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incidents_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "places",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("precision", sa.String(length=20), nullable=False),
        sa.Column("admin1", sa.String(length=100), nullable=True),
        sa.Column("admin2", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("perpetrators", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("place", sa.JSON(), nullable=True),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=10), nullable=False),
        sa.Column("fatalities_min", sa.Integer(), nullable=True),
        sa.Column("fatalities_max", sa.Integer(), nullable=True),
        sa.Column("factuality", sa.String(length=20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "verdicts",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("violator", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("clause", sa.String(length=100), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("agreement_version", sa.String(length=50), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
        ),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verdicts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_verdicts_violator"), ["violator"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verdicts_violator"))
        batch_op.drop_index(batch_op.f("ix_verdicts_status"))

    op.drop_table("verdicts")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_incident_id"))
        batch_op.drop_index(batch_op.f("ix_claims_document_id"))

    op.drop_table("claims")
    op.drop_table("runs")
    op.drop_table("places")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_review_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_event_type"))
        batch_op.drop_index(batch_op.f("ix_incidents_date_to"))
        batch_op.drop_index(batch_op.f("ix_incidents_date_from"))
        batch_op.drop_index(batch_op.f("ix_incidents_admin1"))

    op.drop_table("incidents")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_published_at"))
        batch_op.drop_index(batch_op.f("ix_documents_outlet"))
        batch_op.drop_index(batch_op.f("ix_documents_external_id"))
        batch_op.drop_index(batch_op.f("ix_documents_duplicate_of"))

    op.drop_table("documents")
    op.drop_table("agreements")
    op.drop_table("actors")
