"""The governorates each actor fights in

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A table, not a column of actors: the actor rows a store logged keep their digests. A store
    # initialised before has no areas until its actors are saved again, and picks namesakes as
    # it did.
    op.create_table(
        "actor_areas",
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"]),
        sa.PrimaryKeyConstraint("actor_id"),
    )


def downgrade() -> None:
    op.drop_table("actor_areas")
