"""Clinical correctness and the therapist's day (issue 13).

- clinic_settings: one row, the clinic's time zone (what "today" and a week mean; times stay
  stored in UTC);
- prescription_items: `rom_limit_deg` (going beyond it is a caution) and a weekly
  progression (`reps_step` up to `reps_up_to`, `rom_step_deg` up to `rom_up_to_deg`);
- program_templates: programs saved to start other patients from;
- sign_in_codes: one-time sign-in codes a therapist hands a new patient (hashed);
- outcome_assignments, outcome_responses: questionnaires (`questionnaires/*.yaml`) assigned
  at an interval, and the patient's answers with their score.

Only new tables and new nullable columns: no table is rewritten, no row touched.

Revision ID: clinical
Revises: on_device
Create Date: 2026-11-30 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "clinical"
down_revision: str | Sequence[str] | None = "on_device"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_COLUMNS = (
    ("rom_limit_deg", sa.Float()),
    ("reps_step", sa.Integer()),
    ("reps_up_to", sa.Integer()),
    ("rom_step_deg", sa.Float()),
    ("rom_up_to_deg", sa.Float()),
)


def _fk(column: str, table: str, target: str, **options: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **options
    )


def _settings() -> None:
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_clinic_settings_one_row")),
        _fk("updated_by_id", "clinic_settings", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_settings")),
    )


def _templates_and_codes() -> None:
    op.create_table(
        "program_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sessions_per_week", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "sessions_per_week BETWEEN 1 AND 21",
            name=op.f("ck_program_templates_sessions_per_week"),
        ),
        _fk("owner_id", "program_templates", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_templates")),
    )
    op.create_index(
        op.f("ix_program_templates_owner_id"), "program_templates", ["owner_id"], unique=False
    )
    op.create_table(
        "sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        _fk("created_by_id", "sign_in_codes", "users"),
        _fk("user_id", "sign_in_codes", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_codes")),
    )
    op.create_index(op.f("ix_sign_in_codes_user_id"), "sign_in_codes", ["user_id"], unique=False)


def _outcomes() -> None:
    op.create_table(
        "outcome_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_outcome_assignments_dates")
        ),
        sa.CheckConstraint("every_days >= 1", name=op.f("ck_outcome_assignments_every_days")),
        _fk("assigned_by_id", "outcome_assignments", "users"),
        _fk("patient_id", "outcome_assignments", "patients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_assignments")),
    )
    op.create_index(
        op.f("ix_outcome_assignments_patient_id"), "outcome_assignments", ["patient_id"]
    )
    op.create_table(
        "outcome_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        _fk("assignment_id", "outcome_responses", "outcome_assignments", ondelete="SET NULL"),
        _fk("entered_by_id", "outcome_responses", "users"),
        _fk("patient_id", "outcome_responses", "patients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_responses")),
    )
    op.create_index(
        op.f("ix_outcome_responses_assignment_id"), "outcome_responses", ["assignment_id"]
    )
    op.create_index(
        "ix_outcome_responses_patient_completed",
        "outcome_responses",
        ["patient_id", "completed_at"],
    )


def upgrade() -> None:
    _settings()
    _templates_and_codes()
    _outcomes()
    # ADD COLUMN of a nullable column needs no move-and-copy, even on SQLite
    with op.batch_alter_table("prescription_items", recreate="never") as batch_op:
        for name, kind in ITEM_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prescription_items") as batch_op:
        for name, _ in reversed(ITEM_COLUMNS):
            batch_op.drop_column(name)
    for table in (
        "outcome_responses",
        "outcome_assignments",
        "sign_in_codes",
        "program_templates",
        "clinic_settings",
    ):
        op.drop_table(table)
