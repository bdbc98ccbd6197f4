"""The database schema: SQLAlchemy 2 ORM models (`Mapped[]`), one MetaData naming convention.

Every schema change is an Alembic revision in `migrations/versions/` (`alembic check` in the
tests fails when these models drift from the migrations).

Conventions:
- Times are stored as UTC (`UTCDateTime`): aware datetimes in, aware UTC datetimes out, on
  SQLite and PostgreSQL alike.
- Metric floats use `Metric`: NaN ("not visible") is stored as NULL and read back as NaN
  (SQLite would turn NaN into NULL anyway; doing it on purpose keeps both engines equal).
- Enumerations are short strings with a named CHECK constraint; the enums the pages need
  (`Role`, `SessionSource`, `SessionStatus`) live in `rehab.domain`, without the ORM.
- Names of people live only in `users.display_name`; never log them.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from rehab.core.results import Severity, Side
from rehab.domain import Role, SessionSource, SessionStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class AuditAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REFUSE = "refuse"  # a refused access or credential (written in its own transaction)
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_BLOCKED = "sign_in_blocked"  # refused unchecked: too many failures (throttled)
    SIGN_OUT = "sign_out"


def enum_check(column: str, enum: type[StrEnum], nullable: bool = False) -> str:
    """SQL for a CHECK constraint that keeps `column` to the values of `enum`."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    rule = f"{column} IN ({values})"
    return f"{column} IS NULL OR {rule}" if nullable else rule


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC; Python sees timezone-aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give a timezone (UTC)")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value
        return stamp.replace(tzinfo=dt.UTC)


class Metric(TypeDecorator[float]):
    """A measured float: NaN (not visible) is stored as NULL and read back as NaN."""

    impl = Float
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> Any:
        if value is None or math.isnan(value):
            return None
        return float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> float:
        return math.nan if value is None else float(value)


class MetricMap(TypeDecorator[dict[str, float]]):
    """Named measured floats as JSON: NaN/inf (not measured) become null, read back as NaN.

    PostgreSQL's JSON refuses NaN, which SQLite and Python's json module let through.
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, float] | None, dialect: Dialect) -> Any:
        if value is None:
            return {}
        return {str(k): (float(v) if math.isfinite(v) else None) for k, v in value.items()}

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, float]:
        return {str(k): (math.nan if v is None else float(v)) for k, v in (value or {}).items()}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(enum_check("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # the username as compared (NFKC, case-folded): unique, so "Dana" and "dana" are one
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (CheckConstraint(enum_check("affected_side", Side), name="affected_side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    condition: Mapped[str] = mapped_column(String(200))
    affected_side: Mapped[str] = mapped_column(String(8))
    notes: Mapped[str] = mapped_column(Text, default="")  # the clinic's: never shown to the patient
    store_landmarks: Mapped[bool] = mapped_column(Boolean, default=False)  # opt-in
    # the patient's language for their pages, the live session, the handout and reminders
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    therapist: Mapped[User] = relationship(foreign_keys=[therapist_id])


class Prescription(Base):
    """A program: exercises (items) to do `sessions_per_week` times a week between two dates."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        CheckConstraint("sessions_per_week BETWEEN 1 AND 21", name="sessions_per_week"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescribed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(120))
    sessions_per_week: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    clinical_notes: Mapped[str] = mapped_column(Text, default="")  # for the clinic only
    # the therapist's words to the patient (their page, handout and reminders)
    patient_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    items: Mapped[list[PrescriptionItem]] = relationship(
        back_populates="prescription",
        order_by="PrescriptionItem.position",
        cascade="all, delete-orphan",
    )


class PrescriptionItem(Base):
    """One exercise of a program: sets of reps (or of timed holds), a side, a target ROM."""

    __tablename__ = "prescription_items"
    __table_args__ = (
        CheckConstraint("sets >= 1", name="sets"),
        CheckConstraint("reps IS NOT NULL OR hold_s IS NOT NULL", name="reps_or_hold"),
        CheckConstraint("reps IS NULL OR reps >= 1", name="reps"),
        CheckConstraint("hold_s IS NULL OR hold_s > 0", name="hold_s"),
        CheckConstraint(enum_check("side", Side), name="side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(
        ForeignKey("prescriptions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    exercise_id: Mapped[str] = mapped_column(String(64))  # id in the exercises/*.yaml library
    sets: Mapped[int] = mapped_column(Integer)
    reps: Mapped[int | None] = mapped_column(Integer)
    hold_s: Mapped[float | None] = mapped_column(Float)
    target_rom_deg: Mapped[float | None] = mapped_column(Float)
    side: Mapped[str] = mapped_column(String(8))
    notes_for_patient: Mapped[str] = mapped_column(Text, default="")
    # Going beyond this ROM is a caution (e.g. a mini squat kept shallow after surgery).
    rom_limit_deg: Mapped[float | None] = mapped_column(Float)
    # Progression, week by week from the program's start: +N reps (up to a cap), +N degrees
    # of target ROM (up to a cap). NULL: no progression. (Checked by `ExercisePlan.check`:
    # a CHECK here would rewrite the table on SQLite.)
    reps_step: Mapped[int | None] = mapped_column(Integer)
    reps_up_to: Mapped[int | None] = mapped_column(Integer)
    rom_step_deg: Mapped[float | None] = mapped_column(Float)
    rom_up_to_deg: Mapped[float | None] = mapped_column(Float)

    prescription: Mapped[Prescription] = relationship(back_populates="items")


class ExerciseSession(Base):
    """One sitting of exercise. A live session is written rep by rep as it happens."""

    __tablename__ = "exercise_sessions"
    __table_args__ = (
        CheckConstraint(enum_check("source", SessionSource), name="source"),
        CheckConstraint(enum_check("status", SessionStatus), name="status"),
        Index("ix_exercise_sessions_patient_started", "patient_id", "started_at"),
        Index("ix_exercise_sessions_status_activity", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    prescription_id: Mapped[int | None] = mapped_column(
        ForeignKey("prescriptions.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Touched by every write of a live session: how stale sessions are found.
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # "host:pid" of the process writing a live session (a dead pid = interrupted at once).
    owner: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")

    sets: Mapped[list[ExerciseSet]] = relationship(
        back_populates="session", order_by="ExerciseSet.id", cascade="all, delete-orphan"
    )


class ExerciseSet(Base):
    __tablename__ = "exercise_sets"
    __table_args__ = (
        CheckConstraint(enum_check("side", Side), name="side"),
        CheckConstraint("reported_reps IS NULL OR reported_reps >= 0", name="reported_reps"),
        CheckConstraint("reported_hold_s IS NULL OR reported_hold_s >= 0", name="reported_hold_s"),
        # covers the progress queries' session -> sets step (no table lookups)
        Index(
            "ix_exercise_sets_session_cover", "session_id", "exercise_id", "prescription_item_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exercise_sessions.id", ondelete="CASCADE"))
    prescription_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("prescription_items.id", ondelete="SET NULL"), index=True
    )
    exercise_id: Mapped[str] = mapped_column(String(64))
    set_index: Mapped[int] = mapped_column(Integer)  # 1-based within the session and exercise
    side: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # the pose model whose landmarks were counted ("blazepose-lite"); None when not recorded
    pose_model: Mapped[str | None] = mapped_column(String(64))
    extra: Mapped[dict[str, float]] = mapped_column(MetricMap, default=dict)  # SetFigures JSON
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)  # SetResult.warnings
    # A set the patient logged by hand (a session of source "manual"): what they say they did
    # (reps in the set, or seconds held); nothing was counted, so it has no reps or holds rows.
    reported_reps: Mapped[int | None] = mapped_column(Integer)
    reported_hold_s: Mapped[float | None] = mapped_column(Float)

    session: Mapped[ExerciseSession] = relationship(back_populates="sets")
    reps: Mapped[list[Rep]] = relationship(order_by="Rep.id", cascade="all, delete-orphan")
    holds: Mapped[list[Hold]] = relationship(order_by="Hold.id", cascade="all, delete-orphan")


class Rep(Base):
    """Every field of `rehab.core.results.RepResult` (its `index` is the column `rep_index`)."""

    __tablename__ = "reps"
    __table_args__ = (
        CheckConstraint(enum_check("side", Side), name="side"),
        CheckConstraint("rep_index >= 0", name="rep_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sets.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    rep_index: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[float] = mapped_column(Float)
    peak_ms: Mapped[float] = mapped_column(Metric, nullable=True)
    end_ms: Mapped[float] = mapped_column(Float)
    peak_angle_deg: Mapped[float] = mapped_column(Metric, nullable=True)
    min_angle_deg: Mapped[float] = mapped_column(Metric, nullable=True)
    max_angle_deg: Mapped[float] = mapped_column(Metric, nullable=True)
    rom_deg: Mapped[float] = mapped_column(Metric, nullable=True)
    concentric_s: Mapped[float] = mapped_column(Metric, nullable=True)
    eccentric_s: Mapped[float] = mapped_column(Metric, nullable=True)
    hold_s: Mapped[float] = mapped_column(Metric, nullable=True)
    complete: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Metric, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    form_issues: Mapped[list[FormIssueRow]] = relationship(
        foreign_keys="FormIssueRow.rep_id", order_by="FormIssueRow.id"
    )


class SetStats(Base):
    """Per set and side, the sums the progress queries need, kept with every rep written.

    A rollup of `reps` (refreshed by `rehab.store.rollup.refresh_set_stats` in the same
    transaction as the reps): a year of progress reads ~2,000 of these rows instead of
    ~25,000 reps. ROM/angle/confidence sums cover complete reps only; `*_n` count the
    non-NaN values, so `rom_sum / rom_n` is the mean ROM.
    """

    __tablename__ = "set_stats"
    # SQLite: stored clustered on its key (no rowid): one B-tree search a set, not two.
    __table_args__ = ({"sqlite_with_rowid": False},)

    set_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sets.id", ondelete="CASCADE"), primary_key=True
    )
    side: Mapped[str] = mapped_column(String(8), primary_key=True)
    complete_reps: Mapped[int] = mapped_column(Integer)
    partial_reps: Mapped[int] = mapped_column(Integer)
    rom_n: Mapped[int] = mapped_column(Integer)
    rom_sum: Mapped[float | None] = mapped_column(Float)
    rom_max: Mapped[float | None] = mapped_column(Float)
    peak_n: Mapped[int] = mapped_column(Integer)
    peak_sum: Mapped[float | None] = mapped_column(Float)
    min_angle_min: Mapped[float | None] = mapped_column(Float)
    max_angle_max: Mapped[float | None] = mapped_column(Float)
    confidence_n: Mapped[int] = mapped_column(Integer)
    confidence_sum: Mapped[float | None] = mapped_column(Float)


class Hold(Base):
    """Every field of `rehab.core.results.HoldResult`."""

    __tablename__ = "holds"
    __table_args__ = (CheckConstraint(enum_check("side", Side), name="side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sets.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    start_ms: Mapped[float] = mapped_column(Float)
    end_ms: Mapped[float] = mapped_column(Float)
    held_s: Mapped[float] = mapped_column(Metric, nullable=True)
    mean_angle_deg: Mapped[float] = mapped_column(Metric, nullable=True)
    complete: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Metric, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    form_issues: Mapped[list[FormIssueRow]] = relationship(
        foreign_keys="FormIssueRow.hold_id", order_by="FormIssueRow.id"
    )


class FormIssueRow(Base):
    """Every field of `rehab.core.results.FormIssue`, attached to its set and its rep or hold."""

    __tablename__ = "form_issues"
    __table_args__ = (
        CheckConstraint(enum_check("severity", Severity), name="severity"),
        CheckConstraint("rep_id IS NULL OR hold_id IS NULL", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sets.id", ondelete="CASCADE"), index=True
    )
    rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("reps.id", ondelete="CASCADE"), index=True
    )
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("holds.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(64))
    cue: Mapped[str] = mapped_column(String(255))
    severity: Mapped[str] = mapped_column(String(16))
    t_ms: Mapped[float] = mapped_column(Float)


class CheckIn(Base):
    """Pain 0-10 before and after a session, effort (RPE, Borg CR10 0-10), a comment.

    A value is NULL until the patient gives it (never a default); a check-in with no value
    at all is one the patient was asked for and skipped (`rows.no_values`), never read as 0."""

    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("pain_before IS NULL OR pain_before BETWEEN 0 AND 10", name="pain_before"),
        CheckConstraint("pain_after IS NULL OR pain_after BETWEEN 0 AND 10", name="pain_after"),
        CheckConstraint("effort_rpe IS NULL OR effort_rpe BETWEEN 0 AND 10", name="effort_rpe"),
        Index("ix_check_ins_patient_recorded", "patient_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_sessions.id", ondelete="SET NULL"), unique=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    effort_rpe: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """Who read or changed which patient's data, and when (never names, only ids)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(enum_check("action", AuditAction), name="action"),
        Index("ix_audit_log_patient_at", "patient_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    action: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(String(64))  # e.g. "progress", "session", "report"
    resource_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(255), default="")


class LandmarkStreamRow(Base):
    """An opt-in stored landmark stream (the `.npz` bytes of rehab.streamfile), for replay."""

    __tablename__ = "landmark_streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sessions.id", ondelete="CASCADE"), index=True
    )
    set_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_sets.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    n_frames: Mapped[int] = mapped_column(Integer)
    fps: Mapped[float] = mapped_column(Float)
    npz: Mapped[bytes] = mapped_column(LargeBinary)


class ClinicSettings(Base):
    """The clinic's settings: one row (id 1). Its time zone says what "today", a week and a
    session's time mean on every page and report; timestamps stay stored in UTC."""

    __tablename__ = "clinic_settings"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ProgramTemplate(Base):
    """A program saved to start other patients from: its exercises as JSON (each an
    `ExercisePlan`'s fields; side "affected" means the patient's affected side)."""

    __tablename__ = "program_templates"
    __table_args__ = (
        CheckConstraint("sessions_per_week BETWEEN 1 AND 21", name="sessions_per_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sessions_per_week: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class SignInCode(Base):
    """A one-time sign-in code a therapist hands a patient (stored hashed): used once, before
    it expires, to choose their own password."""

    __tablename__ = "sign_in_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutcomeAssignment(Base):
    """A questionnaire (`questionnaires/<id>.yaml`) a therapist asks a patient to fill in
    every `every_days` days from `start_date`; `labels` are patient-specific items (the
    activities of the Patient-Specific Functional Scale)."""

    __tablename__ = "outcome_assignments"
    __table_args__ = (
        CheckConstraint("every_days >= 1", name="every_days"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    every_days: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class OutcomeResponse(Base):
    """One filled-in questionnaire: the answers (item id -> value, null = not answered), the
    labels of patient-specific items, and the score computed when it was saved."""

    __tablename__ = "outcome_responses"
    __table_args__ = (
        Index("ix_outcome_responses_patient_completed", "patient_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcome_assignments.id", ondelete="SET NULL"), index=True
    )
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column(Float)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


# The account and job tables live in their own modules; importing them here puts them in
# Base.metadata wherever the models are loaded (the app, Alembic's env, `alembic check`).
import rehab.store.models_auth  # noqa: E402
import rehab.store.models_jobs  # noqa: E402, F401
