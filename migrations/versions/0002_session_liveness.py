"""Session liveness.

`last_activity_at` (backfilled, then NOT NULL) and `owner` on
exercise_sessions, so a live session left "in progress" by a killed process or a closed tab
is found and marked interrupted on the next start.

On SQLite the NOT NULL change is a batch move-and-copy of a table that already holds rows
(and is referenced by sets and check-ins): every row and id must survive (tested).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=128), nullable=True))
    op.execute(
        "UPDATE exercise_sessions SET last_activity_at = COALESCE(ended_at, started_at) "
        "WHERE last_activity_at IS NULL"
    )
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.alter_column("last_activity_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(
            "ix_exercise_sessions_status_activity", ["status", "last_activity_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_exercise_sessions_status_activity")
        batch_op.drop_column("owner")
        batch_op.drop_column("last_activity_at")
