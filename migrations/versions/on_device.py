"""On-device live sessions.

- `exercise_sessions.source` may be `on_device` (the pose found in the patient's browser,
  counted by the server);
- `exercise_sets.pose_model`: the pose model whose landmarks were counted (nullable: sets
  stored before this revision, and uploads that do not say);
- `audit_log.action` may be `refuse` (a live-session token turned away).

On SQLite a CHECK constraint changes only by copying the table (batch move-and-copy): every
row and id is kept. Offline (`--sql`) the copy is made from the frozen tables below.

Revision ID: on_device
Revises: 0004
Create Date: 2026-11-30 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "on_device"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SOURCES = "'live', 'upload', 'replay'"
NEW_SOURCES = "'live', 'upload', 'replay', 'on_device'"
OLD_ACTIONS = "'read', 'create', 'update', 'delete'"
NEW_ACTIONS = "'read', 'create', 'update', 'delete', 'refuse'"


def _sessions_table(sources: str) -> sa.Table:
    """exercise_sessions as 0004 left it (with `sources` allowed)."""
    return sa.Table(
        "exercise_sessions",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "status IN ('in_progress', 'completed', 'interrupted')",
            name="ck_exercise_sessions_status",
        ),
        sa.CheckConstraint(f"source IN ({sources})", name="ck_exercise_sessions_source"),
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
        sa.Index("ix_exercise_sessions_status_activity", "status", "last_activity_at"),
    )


def _audit_table(actions: str) -> sa.Table:
    """audit_log as 0001 left it (with `actions` allowed)."""
    return sa.Table(
        "audit_log",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.CheckConstraint(f"action IN ({actions})", name="ck_audit_log_action"),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_audit_log_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_log_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.Index("ix_audit_log_patient_at", "patient_id", "at"),
        sa.Index("ix_audit_log_user_id", "user_id"),
    )


def _batch(table: sa.Table) -> dict[str, object]:
    return {"copy_from": table} if context.is_offline_mode() else {}


def _replace_check(table: sa.Table, column: str, allowed: str) -> None:
    """Swap the CHECK constraint on `column` for one allowing `allowed`."""
    with op.batch_alter_table(table.name, **_batch(table)) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table.name}_{column}"), type_="check")
        batch_op.create_check_constraint(column, f"{column} IN ({allowed})")


def upgrade() -> None:
    _replace_check(_sessions_table(OLD_SOURCES), "source", NEW_SOURCES)
    _replace_check(_audit_table(OLD_ACTIONS), "action", NEW_ACTIONS)
    with op.batch_alter_table("exercise_sets") as batch_op:
        batch_op.add_column(sa.Column("pose_model", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE exercise_sessions SET source = 'live' WHERE source = 'on_device'")
    op.execute("DELETE FROM audit_log WHERE action = 'refuse'")
    with op.batch_alter_table("exercise_sets") as batch_op:
        batch_op.drop_column("pose_model")
    _replace_check(_audit_table(NEW_ACTIONS), "action", OLD_ACTIONS)
    _replace_check(_sessions_table(NEW_SOURCES), "source", OLD_SOURCES)
