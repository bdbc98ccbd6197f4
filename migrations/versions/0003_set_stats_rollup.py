"""Set stats rollup.

`set_stats`: per set and side, the counts and sums of the reps that the progress queries
need (a year of one patient's progress reads ~2,000 rows instead of ~25,000 reps). Filled
here from the reps already stored; the recorder keeps it up to date from now on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:34:58.416306

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BACKFILL = """
INSERT INTO set_stats (set_id, side, complete_reps, partial_reps, rom_n, rom_sum, rom_max,
    peak_n, peak_sum, min_angle_min, max_angle_max, confidence_n, confidence_sum)
SELECT set_id, side,
    COUNT(CASE WHEN complete THEN id END),
    COUNT(CASE WHEN NOT complete THEN id END),
    COUNT(CASE WHEN complete THEN rom_deg END),
    SUM(CASE WHEN complete THEN rom_deg END),
    MAX(CASE WHEN complete THEN rom_deg END),
    COUNT(CASE WHEN complete THEN peak_angle_deg END),
    SUM(CASE WHEN complete THEN peak_angle_deg END),
    MIN(CASE WHEN complete THEN min_angle_deg END),
    MAX(CASE WHEN complete THEN max_angle_deg END),
    COUNT(CASE WHEN complete THEN confidence END),
    SUM(CASE WHEN complete THEN confidence END)
FROM reps
GROUP BY set_id, side
"""


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "set_stats",
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("complete_reps", sa.Integer(), nullable=False),
        sa.Column("partial_reps", sa.Integer(), nullable=False),
        sa.Column("rom_n", sa.Integer(), nullable=False),
        sa.Column("rom_sum", sa.Float(), nullable=True),
        sa.Column("rom_max", sa.Float(), nullable=True),
        sa.Column("peak_n", sa.Integer(), nullable=False),
        sa.Column("peak_sum", sa.Float(), nullable=True),
        sa.Column("min_angle_min", sa.Float(), nullable=True),
        sa.Column("max_angle_max", sa.Float(), nullable=True),
        sa.Column("confidence_n", sa.Integer(), nullable=False),
        sa.Column("confidence_sum", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["exercise_sets.id"],
            name=op.f("fk_set_stats_set_id_exercise_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("set_id", "side", name=op.f("pk_set_stats")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("set_stats")
