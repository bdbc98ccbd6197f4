"""Initial schema.

Users, patients, programs, sessions, sets, reps, holds, form issues, check-ins, audit log,
landmark streams.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 06:19:05.602218

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'therapist', 'patient')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=False),
        sa.Column("affected_side", sa.String(length=8), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("store_landmarks", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "affected_side IN ('left', 'right', 'both')", name=op.f("ck_patients_affected_side")
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"], ["users.id"], name=op.f("fk_patients_therapist_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_patients_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("user_id", name=op.f("uq_patients_user_id")),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patients_therapist_id"), ["therapist_id"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "action IN ('read', 'create', 'update', 'delete')", name=op.f("ck_audit_log_action")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_audit_log_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_patient_at", ["patient_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "prescriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescribed_by_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("sessions_per_week", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_prescriptions_dates")
        ),
        sa.CheckConstraint(
            "sessions_per_week BETWEEN 1 AND 21", name=op.f("ck_prescriptions_sessions_per_week")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_prescriptions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["prescribed_by_id"], ["users.id"], name=op.f("fk_prescriptions_prescribed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescriptions")),
    )
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prescriptions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "exercise_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "source IN ('live', 'upload', 'replay')", name=op.f("ck_exercise_sessions_source")
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'completed', 'interrupted')",
            name=op.f("ck_exercise_sessions_status"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_exercise_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name=op.f("fk_exercise_sessions_prescription_id_prescriptions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_sessions")),
    )
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exercise_sessions_patient_started", ["patient_id", "started_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exercise_sessions_prescription_id"), ["prescription_id"], unique=False
        )

    op.create_table(
        "prescription_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=True),
        sa.Column("hold_s", sa.Float(), nullable=True),
        sa.Column("target_rom_deg", sa.Float(), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("notes_for_patient", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "side IN ('left', 'right', 'both')", name=op.f("ck_prescription_items_side")
        ),
        sa.CheckConstraint(
            "hold_s IS NULL OR hold_s > 0", name=op.f("ck_prescription_items_hold_s")
        ),
        sa.CheckConstraint(
            "reps IS NOT NULL OR hold_s IS NOT NULL",
            name=op.f("ck_prescription_items_reps_or_hold"),
        ),
        sa.CheckConstraint("reps IS NULL OR reps >= 1", name=op.f("ck_prescription_items_reps")),
        sa.CheckConstraint("sets >= 1", name=op.f("ck_prescription_items_sets")),
        sa.ForeignKeyConstraint(
            ["prescription_id"],
            ["prescriptions.id"],
            name=op.f("fk_prescription_items_prescription_id_prescriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescription_items")),
    )
    with op.batch_alter_table("prescription_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prescription_items_prescription_id"), ["prescription_id"], unique=False
        )

    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("pain_before", sa.Integer(), nullable=True),
        sa.Column("pain_after", sa.Integer(), nullable=True),
        sa.Column("effort_rpe", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "effort_rpe IS NULL OR effort_rpe BETWEEN 0 AND 10",
            name=op.f("ck_check_ins_effort_rpe"),
        ),
        sa.CheckConstraint(
            "pain_after IS NULL OR pain_after BETWEEN 0 AND 10",
            name=op.f("ck_check_ins_pain_after"),
        ),
        sa.CheckConstraint(
            "pain_before IS NULL OR pain_before BETWEEN 0 AND 10",
            name=op.f("ck_check_ins_pain_before"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_check_ins_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exercise_sessions.id"],
            name=op.f("fk_check_ins_session_id_exercise_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint("session_id", name=op.f("uq_check_ins_session_id")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_ins_patient_recorded", ["patient_id", "recorded_at"], unique=False
        )

    op.create_table(
        "exercise_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("prescription_item_id", sa.Integer(), nullable=True),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("set_index", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.CheckConstraint("side IN ('left', 'right', 'both')", name=op.f("ck_exercise_sets_side")),
        sa.ForeignKeyConstraint(
            ["prescription_item_id"],
            ["prescription_items.id"],
            name=op.f("fk_exercise_sets_prescription_item_id_prescription_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exercise_sessions.id"],
            name=op.f("fk_exercise_sets_session_id_exercise_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_sets")),
    )
    with op.batch_alter_table("exercise_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exercise_sets_prescription_item_id"),
            ["prescription_item_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_exercise_sets_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("start_ms", sa.Float(), nullable=False),
        sa.Column("end_ms", sa.Float(), nullable=False),
        sa.Column("held_s", sa.Float(), nullable=True),
        sa.Column("mean_angle_deg", sa.Float(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("side IN ('left', 'right', 'both')", name=op.f("ck_holds_side")),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["exercise_sets.id"],
            name=op.f("fk_holds_set_id_exercise_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holds_set_id"), ["set_id"], unique=False)

    op.create_table(
        "landmark_streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("n_frames", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("npz", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exercise_sessions.id"],
            name=op.f("fk_landmark_streams_session_id_exercise_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["exercise_sets.id"],
            name=op.f("fk_landmark_streams_set_id_exercise_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landmark_streams")),
    )
    with op.batch_alter_table("landmark_streams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_landmark_streams_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_landmark_streams_set_id"), ["set_id"], unique=False)

    op.create_table(
        "reps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("rep_index", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.Float(), nullable=False),
        sa.Column("peak_ms", sa.Float(), nullable=True),
        sa.Column("end_ms", sa.Float(), nullable=False),
        sa.Column("peak_angle_deg", sa.Float(), nullable=True),
        sa.Column("min_angle_deg", sa.Float(), nullable=True),
        sa.Column("max_angle_deg", sa.Float(), nullable=True),
        sa.Column("rom_deg", sa.Float(), nullable=True),
        sa.Column("concentric_s", sa.Float(), nullable=True),
        sa.Column("eccentric_s", sa.Float(), nullable=True),
        sa.Column("hold_s", sa.Float(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("side IN ('left', 'right', 'both')", name=op.f("ck_reps_side")),
        sa.CheckConstraint("rep_index >= 0", name=op.f("ck_reps_rep_index")),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["exercise_sets.id"],
            name=op.f("fk_reps_set_id_exercise_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reps")),
    )
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reps_set_id"), ["set_id"], unique=False)

    op.create_table(
        "form_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("cue", sa.String(length=255), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("t_ms", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'critical')", name=op.f("ck_form_issues_severity")
        ),
        sa.CheckConstraint(
            "rep_id IS NULL OR hold_id IS NULL", name=op.f("ck_form_issues_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_form_issues_hold_id_holds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["reps.id"], name=op.f("fk_form_issues_rep_id_reps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["exercise_sets.id"],
            name=op.f("fk_form_issues_set_id_exercise_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_issues")),
    )
    with op.batch_alter_table("form_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_issues_hold_id"), ["hold_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_issues_rep_id"), ["rep_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_issues_set_id"), ["set_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("form_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_issues_set_id"))
        batch_op.drop_index(batch_op.f("ix_form_issues_rep_id"))
        batch_op.drop_index(batch_op.f("ix_form_issues_hold_id"))

    op.drop_table("form_issues")
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reps_set_id"))

    op.drop_table("reps")
    with op.batch_alter_table("landmark_streams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_landmark_streams_set_id"))
        batch_op.drop_index(batch_op.f("ix_landmark_streams_session_id"))

    op.drop_table("landmark_streams")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holds_set_id"))

    op.drop_table("holds")
    with op.batch_alter_table("exercise_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_sets_session_id"))
        batch_op.drop_index(batch_op.f("ix_exercise_sets_prescription_item_id"))

    op.drop_table("exercise_sets")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_patient_recorded")

    op.drop_table("check_ins")
    with op.batch_alter_table("prescription_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescription_items_prescription_id"))

    op.drop_table("prescription_items")
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_sessions_prescription_id"))
        batch_op.drop_index("ix_exercise_sessions_patient_started")

    op.drop_table("exercise_sessions")
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescriptions_patient_id"))

    op.drop_table("prescriptions")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index("ix_audit_log_patient_at")

    op.drop_table("audit_log")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_therapist_id"))

    op.drop_table("patients")
    op.drop_table("users")
