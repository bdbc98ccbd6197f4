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
from alembic import context, op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sessions_table(with_liveness: bool) -> sa.Table:
    """exercise_sessions as 0001 left it (plus the new nullable columns): batch mode copies
    from this in offline (--sql) mode, where it cannot reflect the live table."""
    liveness = (
        [
            sa.Column("last_activity_at", sa.DateTime(), nullable=True),
            sa.Column("owner", sa.String(length=128), nullable=True),
        ]
        if with_liveness
        else []
    )
    return sa.Table(
        "exercise_sessions",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        *liveness,
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "source IN ('live', 'upload', 'replay')", name="ck_exercise_sessions_source"
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'completed', 'interrupted')",
            name="ck_exercise_sessions_status",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_exercise_sessions_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name="fk_exercise_sessions_prescription_id_prescriptions",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exercise_sessions"),
        sa.Index("ix_exercise_sessions_patient_started", "patient_id", "started_at"),
        sa.Index("ix_exercise_sessions_prescription_id", "prescription_id"),
    )


def _copy_from(with_liveness: bool) -> dict[str, sa.Table]:
    return {"copy_from": _sessions_table(with_liveness)} if context.is_offline_mode() else {}


def upgrade() -> None:
    with op.batch_alter_table("exercise_sessions", **_copy_from(False)) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=128), nullable=True))
    op.execute(
        "UPDATE exercise_sessions SET last_activity_at = COALESCE(ended_at, started_at) "
        "WHERE last_activity_at IS NULL"
    )
    with op.batch_alter_table("exercise_sessions", **_copy_from(True)) as batch_op:
        batch_op.alter_column("last_activity_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(
            "ix_exercise_sessions_status_activity", ["status", "last_activity_at"], unique=False
        )


def downgrade() -> None:
    table = _sessions_table(True)
    table.c.last_activity_at.nullable = False
    table.append_constraint(
        sa.Index("ix_exercise_sessions_status_activity", "status", "last_activity_at")
    )
    copy_from = {"copy_from": table} if context.is_offline_mode() else {}
    with op.batch_alter_table("exercise_sessions", **copy_from) as batch_op:
        batch_op.drop_index("ix_exercise_sessions_status_activity")
        batch_op.drop_column("owner")
        batch_op.drop_column("last_activity_at")
