"""A live session's flow over today's program: set-up check, counting, rest, next set, done.

Pure core: PoseFrames in, notes out (a set began, engine events to save, a set ended, words
to speak). The processor feeds it frames from the webcam thread; the page only reads
`status()` snapshots, so the page never waits on the camera.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rehab.core.exercise import Exercise
from rehab.core.landmarks import PoseFrame
from rehab.core.results import (
    EngineEvent,
    EventKind,
    SetResult,
    Severity,
    Side,
    done_by_limb,
    done_each_side,
)
from rehab.core.tracker import ExerciseTracker
from rehab.i18n import N_
from rehab.live.cues import CueBoard
from rehab.live.setup_check import SetupCheck

DEFAULT_REST_S = 30.0
SET_DONE_FLASH_MS = 2500.0
SAY_AGAIN_MS = 8000.0  # set-up guidance is spoken again at most this often
GET_READY = N_("Get into position")
START_SET = N_("Start {name}, set {set} of {sets}")
LOST_SIGHT = N_("I lost sight of you: step back into view")
LAST_SET_DONE = N_("Well done, that was the last set")
SET_DONE_REST = N_("Set done. Rest for {seconds} seconds")
SOMEONE_ELSE = N_("Someone else is in the picture: I keep counting you")


def _same(message: str) -> str:
    return message


class Phase(StrEnum):
    SETUP = "setup"
    COUNTING = "counting"
    REST = "rest"
    DONE = "done"


@dataclass(frozen=True)
class SetPlan:
    """One set to do: which exercise, which side, its target (reps or hold seconds)."""

    exercise_id: str
    set_index: int  # 1-based within this exercise
    sets: int
    target_reps: int | None = None
    hold_s: float | None = None
    side: Side = Side.BOTH
    item_id: int | None = None  # the prescription item, when it comes from a program
    rest_s: float = DEFAULT_REST_S


def expand_sets(
    exercise_id: str,
    sets: int,
    target_reps: int | None = None,
    hold_s: float | None = None,
    side: Side = Side.BOTH,
    item_id: int | None = None,
    rest_s: float = DEFAULT_REST_S,
) -> list[SetPlan]:
    """`sets` SetPlans for one prescribed exercise."""
    if sets < 1:
        raise ValueError(f"{exercise_id}: sets must be at least 1 (got {sets})")
    return [
        SetPlan(exercise_id, n, sets, target_reps, hold_s, side, item_id, rest_s)
        for n in range(1, sets + 1)
    ]


@dataclass(frozen=True)
class SetBegun:
    plan: SetPlan
    pose_model: str | None = None  # the shell fills in the model whose landmarks are counted


@dataclass(frozen=True)
class Counted:
    events: tuple[EngineEvent, ...]


@dataclass(frozen=True)
class SetEnded:
    plan: SetPlan
    result: SetResult


Note = SetBegun | Counted | SetEnded


@dataclass(frozen=True)
class LiveStatus:
    """What the page and the overlay show, at one moment."""

    phase: Phase
    exercise_name: str
    set_index: int
    sets: int
    plan_index: int  # 0-based position in the session's sets
    plan_count: int
    reps: int  # reps done, against target_reps (per side: rehab.core.results.done_each_side)
    target_reps: int | None
    hold_s: float
    hold_target_s: float | None
    rest_left_s: float
    message: str  # set-up guidance, or the current form cue
    severity: Severity
    set_done: bool  # a set has just finished (show a clear signal)
    t_ms: float
    reps_by_side: tuple[tuple[Side, int], ...] = ()  # each limb's reps (sets counted by limb)


@dataclass
class _Current:
    plan: SetPlan
    exercise: Exercise
    tracker: ExerciseTracker | None = None
    reps: int = 0
    reps_by_side: dict[Side, int] = field(default_factory=dict)
    hold_s: float = 0.0
    holds_done: dict[Side, int] = field(default_factory=dict)  # complete holds per side


def _with_hold_target(exercise: Exercise, hold_s: float | None) -> Exercise:
    if exercise.hold is None or hold_s is None:
        return exercise
    return exercise.model_copy(
        update={"hold": exercise.hold.model_copy(update={"target_s": hold_s})}
    )


class SessionFlow:
    """Drives one session's sets in order; `step(frame)` once per processed frame."""

    def __init__(
        self,
        plans: Sequence[SetPlan],
        exercises: Callable[[str], Exercise],
        setup_stable_ms: float = 1000.0,
        gettext: Callable[[str], str] = _same,
    ) -> None:
        """`exercises` gives each exercise in the patient's language (names, cues);
        `gettext` translates the flow's own words (English by default)."""
        if not plans:
            raise ValueError("a session needs at least one set")
        self._ = self.gettext = gettext  # the overlay writes its words through it too
        self.plans = list(plans)
        self._exercises = exercises
        self._stable_ms = setup_stable_ms
        self.cues = CueBoard()
        self.speak: list[str] = []
        self._said: tuple[str, float] = ("", -math.inf)
        self.results: list[tuple[SetPlan, SetResult]] = []
        self._t_ms = 0.0
        self._index = 0
        self._enter_setup(0)

    # -- state --------------------------------------------------------------------------------

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def plan(self) -> SetPlan:
        return self._current.plan

    @property
    def exercise(self) -> Exercise:
        return self._current.exercise

    def _enter_setup(self, index: int) -> None:
        self._index = index
        plan = self.plans[index]
        exercise = _with_hold_target(self._exercises(plan.exercise_id), plan.hold_s)
        self._current = _Current(plan, exercise)
        side = plan.side if plan.side in (Side.LEFT, Side.RIGHT) else None
        self._setup = SetupCheck(exercise, side, stable_ms=self._stable_ms)
        self._phase = Phase.SETUP
        self._message = self._(GET_READY)
        self._rest_until_ms = math.nan
        self._done_at_ms = -math.inf
        self.cues.reset()

    # -- per frame ----------------------------------------------------------------------------

    def step(self, frame: PoseFrame, people: int | None = None) -> list[Note]:
        """Advance on one frame; the notes say what to save. `people`: the people in the
        picture (default: the frame's own count, None when it was not counted)."""
        self._t_ms = frame.t_ms
        if people is None and frame.people_count >= 0:
            people = frame.people_count
        if self._phase is Phase.SETUP:
            return self._step_setup(frame, people)
        if self._phase is Phase.COUNTING:
            self._notice_others(people, frame.t_ms)
            return self._step_counting(frame)
        if self._phase is Phase.REST and frame.t_ms >= self._rest_until_ms:
            self._enter_setup(self._index + 1)
        return []

    def _step_setup(self, frame: PoseFrame, people: int | None) -> list[Note]:
        verdict = self._setup.update(frame, people)
        message = self._(verdict.message)
        if verdict.problem is not None:
            self._say_guidance(message, frame.t_ms)
        self._message = message
        if not verdict.passed:
            return []
        plan, exercise = self._current.plan, self._current.exercise
        side = plan.side if plan.side in (Side.LEFT, Side.RIGHT) else None
        self._current.tracker = ExerciseTracker(exercise, side)
        self._phase, self._message = Phase.COUNTING, ""
        self.speak.append(
            self._(START_SET).format(name=exercise.name, set=plan.set_index, sets=plan.sets)
        )
        return [SetBegun(plan), *self._step_counting(frame)]

    def _say_guidance(self, message: str, t_ms: float) -> None:
        """Speak set-up guidance when it changes, and repeat it every SAY_AGAIN_MS at most."""
        said, said_ms = self._said
        if message != said or t_ms - said_ms >= SAY_AGAIN_MS:
            self.speak.append(message)
            self._said = (message, t_ms)

    def _notice_others(self, people: int | None, t_ms: float) -> None:
        """Say so when someone else is in the picture; counting keeps to the tracked patient."""
        if people is not None and people > 1:
            message = self._(SOMEONE_ELSE)
            if self.cues.raise_cue(message, Severity.INFO, t_ms):
                self.speak.append(message)

    def _step_counting(self, frame: PoseFrame) -> list[Note]:
        tracker = self._current.tracker
        assert tracker is not None
        events = tracker.update(frame)
        for event in events:
            self._on_event(event, tracker)
        notes: list[Note] = [Counted(tuple(events))] if events else []
        if self._target_reached():
            notes += self.end_set()
        return notes

    def _on_event(self, event: EngineEvent, tracker: ExerciseTracker) -> None:
        current = self._current
        if event.kind is EventKind.REP_COMPLETED:
            self._on_rep(event, tracker)
        elif event.kind is EventKind.HOLD_PROGRESS and event.held_s is not None:
            current.hold_s = event.held_s
        elif event.kind is EventKind.HOLD_COMPLETED:
            current.holds_done[event.side] = current.holds_done.get(event.side, 0) + 1
        elif event.kind is EventKind.FORM_CUE and event.form_issue is not None:
            issue = event.form_issue
            if self.cues.raise_cue(issue.cue, issue.severity, event.t_ms):
                self.speak.append(issue.cue)
        elif event.kind is EventKind.TRACKING_LOST:
            self.cues.raise_cue(self._(LOST_SIGHT), Severity.INFO, event.t_ms)

    def _on_rep(self, event: EngineEvent, tracker: ExerciseTracker) -> None:
        """Reps done so far, by the rule prescriptions are read with (per side); every side
        the set counts is in it, so a set of 10 per leg is not done after the first leg.
        The patient hears the count of the limb that just moved."""
        current = self._current
        per_side, sides = tracker.result().reps_per_side(), tracker.engine.reporting()
        current.reps = int(done_each_side(per_side, sides))
        by_limb = done_by_limb(per_side, sides)
        current.reps_by_side = {side: int(n) for side, n in by_limb.items()}
        side = event.rep.side if event.rep is not None else event.side
        self.speak.append(str(current.reps_by_side.get(side, current.reps)))

    def _target_reached(self) -> bool:
        plan, current = self._current.plan, self._current
        tracker = current.tracker
        if current.exercise.hold is not None and tracker is not None:
            sides = tracker.engine.reporting()
            return done_each_side(current.holds_done, sides) >= 1
        return plan.target_reps is not None and current.reps >= plan.target_reps

    # -- set and session ends -----------------------------------------------------------------

    def end_set(self) -> list[Note]:
        """Close the set under way (target reached, or the patient asked); then rest or done."""
        if self._phase is not Phase.COUNTING:
            return []
        tracker, plan = self._current.tracker, self._current.plan
        assert tracker is not None
        tail = tracker.finish()
        result = tracker.result()
        self.results.append((plan, result))
        notes: list[Note] = [Counted(tuple(tail))] if tail else []
        notes.append(SetEnded(plan, result))
        self._done_at_ms = self._t_ms
        self._message = ""
        last = self._index == len(self.plans) - 1
        if last:
            self._phase = Phase.DONE
            self.speak.append(self._(LAST_SET_DONE))
        else:
            self._phase = Phase.REST
            self._rest_until_ms = self._t_ms + plan.rest_s * 1000.0
            self.speak.append(self._(SET_DONE_REST).format(seconds=round(plan.rest_s)))
        return notes

    def skip_rest(self) -> None:
        if self._phase is Phase.REST:
            self._rest_until_ms = self._t_ms

    def stop(self) -> list[Note]:
        """The patient ends the session now: the set under way is closed, nothing more starts."""
        notes = self.end_set()
        self._phase = Phase.DONE
        return notes

    def status(self) -> LiveStatus:
        current, plan, t = self._current, self._current.plan, self._t_ms
        cue = self.cues.current(t)
        message = self._message or (cue.text if cue else "")
        hold = current.exercise.hold
        rest_left = (self._rest_until_ms - t) / 1000.0 if self._phase is Phase.REST else 0.0
        return LiveStatus(
            phase=self._phase,
            exercise_name=current.exercise.name,
            set_index=plan.set_index,
            sets=plan.sets,
            plan_index=self._index,
            plan_count=len(self.plans),
            reps=current.reps,
            target_reps=plan.target_reps if hold is None else None,
            hold_s=current.hold_s,
            hold_target_s=hold.target_s if hold is not None else None,
            rest_left_s=max(0.0, rest_left),
            message=message,
            severity=cue.severity if cue and not self._message else Severity.INFO,
            set_done=t - self._done_at_ms < SET_DONE_FLASH_MS,
            t_ms=t,
            reps_by_side=tuple(current.reps_by_side.items()) if hold is None else (),
        )

    def take_speech(self) -> list[str]:
        said, self.speak = self.speak, []
        return said
