"""one index for listing incidents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTING = ["date_from", "date_to", "lon", "lat", "review_status", "event_type"]


def upgrade() -> None:
    # The listing index leads with date_from, so it does all the old index did.
    op.drop_index("ix_incidents_date_from", table_name="incidents")
    op.create_index("ix_incidents_listing", "incidents", LISTING, unique=False)


def downgrade() -> None:
    op.drop_index("ix_incidents_listing", table_name="incidents")
    op.create_index("ix_incidents_date_from", "incidents", ["date_from"], unique=False)
