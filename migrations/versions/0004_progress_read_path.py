"""Progress read path.

A covering index for session -> sets (`ix_exercise_sets_session_cover`, replacing
`ix_exercise_sets_session_id`), and on SQLite `set_stats` rebuilt WITHOUT ROWID (clustered
on set_id, side). Together they halve the time of a year of one patient's progress
queries (benchmarks/bench_store.py). Rows are copied, none lost.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:20:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = """
    set_id INTEGER NOT NULL,
    side VARCHAR(8) NOT NULL,
    complete_reps INTEGER NOT NULL,
    partial_reps INTEGER NOT NULL,
    rom_n INTEGER NOT NULL,
    rom_sum FLOAT,
    rom_max FLOAT,
    peak_n INTEGER NOT NULL,
    peak_sum FLOAT,
    min_angle_min FLOAT,
    max_angle_max FLOAT,
    confidence_n INTEGER NOT NULL,
    confidence_sum FLOAT,
    CONSTRAINT pk_set_stats PRIMARY KEY (set_id, side),
    CONSTRAINT fk_set_stats_set_id_exercise_sets FOREIGN KEY(set_id)
        REFERENCES exercise_sets (id) ON DELETE CASCADE
"""


def _rebuild_set_stats(options: str) -> None:
    """SQLite only: copy set_stats into a table created with `options`."""
    op.execute(f"CREATE TABLE _set_stats_new ({COLUMNS}) {options}")
    op.execute("INSERT INTO _set_stats_new SELECT * FROM set_stats")
    op.execute("DROP TABLE set_stats")
    op.execute("ALTER TABLE _set_stats_new RENAME TO set_stats")


def upgrade() -> None:
    with op.batch_alter_table("exercise_sets", recreate="never") as batch_op:
        batch_op.drop_index("ix_exercise_sets_session_id")
        batch_op.create_index(
            "ix_exercise_sets_session_cover",
            ["session_id", "exercise_id", "prescription_item_id"],
            unique=False,
        )
    if op.get_context().dialect.name == "sqlite":
        _rebuild_set_stats("WITHOUT ROWID")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_set_stats("")
    with op.batch_alter_table("exercise_sets", recreate="never") as batch_op:
        batch_op.drop_index("ix_exercise_sets_session_cover")
        batch_op.create_index("ix_exercise_sets_session_id", ["session_id"], unique=False)
