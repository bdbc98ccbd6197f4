"""Program templates: a program saved to start other patients from.

A template keeps a program's exercises (sets, reps or hold, target and limit, progression,
note to the patient) and its sessions a week. A side that was the patient's affected side
is kept as "affected", so a template made for a left knee starts a right-knee patient on
the right. Every therapist and admin of the clinic sees the templates; the one who saved a
template (or an admin) deletes it. Starting a patient from a template prescribes a new
program (ending their current one the day before, as the prescription editor does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select

from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import AccessDenied, NotFound, StoreError
from rehab.store.access import Actor, audit, check_patient_access, require_role
from rehab.store.clinic import ExercisePlan, end_program, prescribe
from rehab.store.database import Transaction, sql
from rehab.store.models import AuditAction, Prescription, ProgramTemplate, User
from rehab.store.queries.programs import program_of

AFFECTED = "affected"


class TemplateItem(BaseModel):
    """One exercise of a template, as stored (JSON), checked when read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exercise_id: str
    sets: int
    reps: int | None = None
    hold_s: float | None = None
    target_rom_deg: float | None = None
    side: Literal["affected", "both", "left", "right"] = "both"
    notes_for_patient: str = ""
    rom_limit_deg: float | None = None
    reps_step: int | None = None
    reps_up_to: int | None = None
    rom_step_deg: float | None = None
    rom_up_to_deg: float | None = None

    def plan(self, affected_side: Side) -> ExercisePlan:
        fields = self.model_dump()
        side = fields.pop("side")
        return ExercisePlan(side=Side(affected_side.value if side == AFFECTED else side), **fields)


@dataclass(frozen=True)
class TemplateView:
    template_id: int
    name: str
    owner_id: int
    owner_name: str
    sessions_per_week: int
    notes: str
    items: tuple[TemplateItem, ...]

    def plans(self, affected_side: Side) -> list[ExercisePlan]:
        """The exercises for a patient: "affected" becomes their affected side."""
        return [item.plan(affected_side) for item in self.items]


def _item(plan: ExercisePlan, affected_side: Side | None) -> dict[str, object]:
    fields = asdict(plan)
    side = Side(plan.side)
    is_affected = affected_side in (Side.LEFT, Side.RIGHT) and side is affected_side
    fields["side"] = AFFECTED if is_affected else side.value
    return fields


def save_template(
    tx: Transaction,
    actor: Actor,
    name: str,
    plans: list[ExercisePlan],
    sessions_per_week: int,
    *,
    notes: str = "",
    affected_side: Side | None = None,
) -> int:
    """Save exercises as a template (a side equal to `affected_side` is kept as "affected")."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    cleaned = name.strip()
    if not cleaned:
        raise StoreError("a template needs a name")
    if not plans:
        raise StoreError("a template needs at least one exercise")
    if not 1 <= sessions_per_week <= 21:
        raise StoreError(f"sessions per week must be 1-21 (got {sessions_per_week})")
    for plan in plans:
        plan.check()
    session = sql(tx)
    row = ProgramTemplate(
        owner_id=actor.user_id,
        name=cleaned[:120],
        sessions_per_week=sessions_per_week,
        notes=notes,
        items=[_item(p, affected_side) for p in plans],
    )
    session.add(row)
    session.flush()
    audit(session, actor, AuditAction.CREATE, "program_template", resource_id=row.id)
    return row.id


def save_program_as_template(tx: Transaction, actor: Actor, prescription_id: int, name: str) -> int:
    """Save one of the actor's patients' programs as a template."""
    session = sql(tx)
    row = session.get(Prescription, prescription_id)
    if row is None:
        raise NotFound(f"no program #{prescription_id}")
    patient = check_patient_access(session, actor, row.patient_id)
    program = program_of(row)
    plans = [
        ExercisePlan(**{k: getattr(i, k) for k in ExercisePlan.__dataclass_fields__})
        for i in program.items
    ]
    return save_template(
        tx,
        actor,
        name,
        plans,
        program.sessions_per_week,
        notes=program.clinical_notes,
        affected_side=Side(patient.affected_side),
    )


def list_templates(tx: Transaction, actor: Actor) -> list[TemplateView]:
    """The clinic's templates, by name (therapists and admins)."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    rows = (
        sql(tx)
        .execute(
            select(ProgramTemplate, User.display_name)
            .join(User, User.id == ProgramTemplate.owner_id)
            .order_by(ProgramTemplate.name, ProgramTemplate.id)
        )
        .all()
    )
    return [_view(row, owner) for row, owner in rows]


def _view(row: ProgramTemplate, owner_name: str) -> TemplateView:
    try:
        items = tuple(TemplateItem.model_validate(item) for item in row.items)
    except ValidationError as exc:
        raise StoreError(
            f"program template #{row.id} is damaged: {exc.errors()[0]['msg']}"
        ) from exc
    return TemplateView(
        row.id, row.name, row.owner_id, owner_name, row.sessions_per_week, row.notes, items
    )


def start_from_template(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    template_id: int,
    start_date: dt.date,
    title: str | None = None,
) -> int:
    """Prescribe a template's program to a patient from `start_date`; their current program
    ends the day before. Returns the new program's id."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
    patient = check_patient_access(session, actor, patient_id)
    found = session.get(ProgramTemplate, template_id)
    if found is None:
        raise NotFound(f"no program template #{template_id}")
    template = _view(found, "")
    current = session.scalars(
        select(Prescription).where(
            Prescription.patient_id == patient_id,
            Prescription.start_date <= start_date,
            (Prescription.end_date.is_(None)) | (Prescription.end_date >= start_date),
        )
    ).all()
    for program in current:
        end_program(
            tx, actor, program.id, max(program.start_date, start_date - dt.timedelta(days=1))
        )
    return prescribe(
        tx,
        actor,
        patient_id,
        title or template.name,
        template.plans(Side(patient.affected_side)),
        template.sessions_per_week,
        start_date,
        clinical_notes=template.notes,
    )


def delete_template(tx: Transaction, actor: Actor, template_id: int) -> None:
    """Delete a template (the therapist who saved it, or an admin)."""
    require_role(actor, Role.ADMIN, Role.THERAPIST)
    session = sql(tx)
    row = session.get(ProgramTemplate, template_id)
    if row is None:
        raise NotFound(f"no program template #{template_id}")
    if actor.role is not Role.ADMIN and row.owner_id != actor.user_id:
        raise AccessDenied(f"{actor.label}: only who saved template #{template_id} may delete it")
    session.delete(row)
    audit(session, actor, AuditAction.DELETE, "program_template", resource_id=template_id)
