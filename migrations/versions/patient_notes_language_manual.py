"""The patient's side: notes split, language, manual log, skipped check-ins.

- prescriptions: `notes` becomes `clinical_notes` (every existing note was written "for the
  clinic", so it moves there and stays away from the patient) and `patient_notes` is new;
- patients: `language` ('en' for everyone until set);
- exercise_sessions: the source may be 'manual' (a day the patient logged without a camera);
- exercise_sets: `reported_reps` / `reported_hold_s`, what the patient says they did;

Columns are added and renamed in place on both engines (SQLite >= 3.35 renames and drops
columns); only the source CHECK on SQLite needs a move-and-copy of exercise_sessions, which
keeps every row and id. A downgrade refuses while manual sessions exist (the old schema
cannot hold them, and deleting a patient's log is not a downgrade's call).

Revision ID: patient
Revises: 0005
Create Date: 2026-11-30 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from rehab.errors import StoreError

revision: str = "patient"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES_OLD = "source IN ('live', 'upload', 'replay', 'on_device')"
SOURCES_NEW = "source IN ('live', 'upload', 'replay', 'on_device', 'manual')"
SOURCE_CHECK = "ck_exercise_sessions_source"
REPORTED = (("reported_reps", "INTEGER"), ("reported_hold_s", "FLOAT"))


def _sessions_table(source_check: str) -> sa.Table:
    """exercise_sessions as 0004 and on_device left it (clinical and 0005 do not touch it):
    batch mode copies from this in offline (--sql) mode on SQLite, where it cannot reflect
    the live table."""
    return sa.Table(
        "exercise_sessions",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint(source_check, name=SOURCE_CHECK),
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
        sa.Index("ix_exercise_sessions_status_activity", "status", "last_activity_at"),
    )


def _source_check(old: str, new: str) -> None:
    """Swap the CHECK on exercise_sessions.source (SQLite: a move-and-copy of the table)."""
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(op.f(SOURCE_CHECK), "exercise_sessions", type_="check")
        op.create_check_constraint(op.f(SOURCE_CHECK), "exercise_sessions", new)
        return
    copy = {"copy_from": _sessions_table(old)} if context.is_offline_mode() else {}
    with op.batch_alter_table("exercise_sessions", recreate="always", **copy) as batch_op:
        batch_op.drop_constraint(op.f(SOURCE_CHECK), type_="check")
        batch_op.create_check_constraint(op.f(SOURCE_CHECK), sa.text(new))


def upgrade() -> None:
    op.execute("ALTER TABLE prescriptions RENAME COLUMN notes TO clinical_notes")
    op.execute("ALTER TABLE prescriptions ADD COLUMN patient_notes TEXT DEFAULT '' NOT NULL")
    op.execute("ALTER TABLE patients ADD COLUMN language VARCHAR(8) DEFAULT 'en' NOT NULL")
    for column, sql_type in REPORTED:
        op.execute(
            f"ALTER TABLE exercise_sets ADD COLUMN {column} {sql_type} "
            f"CONSTRAINT ck_exercise_sets_{column} CHECK ({column} IS NULL OR {column} >= 0)"
        )
    _source_check(SOURCES_OLD, SOURCES_NEW)


def downgrade() -> None:
    if not context.is_offline_mode():
        manual = op.get_bind().execute(
            sa.text("SELECT count(*) FROM exercise_sessions WHERE source = 'manual'")
        )
        if manual.scalar():
            raise StoreError(
                "cannot downgrade below revision 'patient': the database holds sessions the "
                "patients logged by hand (source 'manual'), which the older schema cannot keep"
            )
    _source_check(SOURCES_NEW, SOURCES_OLD)
    for column, _ in reversed(REPORTED):
        op.execute(f"ALTER TABLE exercise_sets DROP COLUMN {column}")
    op.execute("ALTER TABLE patients DROP COLUMN language")
    op.execute("ALTER TABLE prescriptions DROP COLUMN patient_notes")
    op.execute("ALTER TABLE prescriptions RENAME COLUMN clinical_notes TO notes")
