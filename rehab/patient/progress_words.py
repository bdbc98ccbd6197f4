"""Progress in plain language: "Your knee bends 12° further than on 3 November."

The movement's words come from what the exercise counts and which way the angle goes (a knee
that bends further in a squat, one that straightens further in a knee extension, an arm that
lifts higher); no abbreviations, and a change under `SAME_DEG` reads as "about the same".
"""

from __future__ import annotations

import datetime as dt

from rehab.core.body_motion import bare_joint
from rehab.core.exercise import Exercise
from rehab.i18n import N_, Translator

SAME_DEG = 3.0  # smaller changes are within what the camera can tell apart
SAME_S = 2.0

FURTHER = {
    "knee_bends": N_("Your knee bends {deg}° further than on {day}."),
    "knee_straightens": N_("Your knee straightens {deg}° further than on {day}."),
    "elbow_bends": N_("Your elbow bends {deg}° further than on {day}."),
    "elbow_straightens": N_("Your elbow straightens {deg}° further than on {day}."),
    "arm_lifts": N_("Your arm lifts {deg}° higher than on {day}."),
    "leg_lifts": N_("Your leg lifts {deg}° higher than on {day}."),
    "hips_lift": N_("Your hips lift {deg}° higher than on {day}."),
    "heels_rise": N_("You rise {deg}° higher onto your toes than on {day}."),
    "trunk_bends": N_("You bend {deg}° further to the side than on {day}."),
    "moves": N_("You move {deg}° further than on {day}."),
}
SAME = N_("About the same range as on {day}: keep going.")
LESS = N_("{deg}° less range than on {day}. Tell your therapist if it hurts more.")
FIRST = N_("Your first time: {deg}° of movement.")
HELD_LONGER = N_("You held {seconds} seconds longer than on {day}.")
HELD_SAME = N_("You held about as long as on {day}.")
HELD_LESS = N_("You held {seconds} seconds less than on {day}.")
HELD_FIRST = N_("Your first time: you held {seconds} seconds.")


def movement(exercise: Exercise) -> str:
    """Which `FURTHER` sentence describes more range in this exercise."""
    spec = exercise.angle
    names = [bare_joint(p)[0] for p in spec.points]
    rising = exercise.is_hold or exercise.direction() > 0
    if spec.kind == "joint" and names[1] in ("KNEE", "ELBOW") and spec.flexion:
        joint = names[1].lower()
        return f"{joint}_bends" if rising else f"{joint}_straightens"
    if spec.kind == "joint" and names[1] == "SHOULDER":
        return "arm_lifts"
    if spec.kind == "joint" and names[1] == "HIP":
        return "hips_lift" if names[0] == "SHOULDER" and rising else "leg_lifts"
    by_segment = {
        ("SHOULDER", "ELBOW"): "arm_lifts",
        ("HIP", "KNEE"): "leg_lifts",
        ("HEEL", "FOOT_INDEX"): "heels_rise",
        ("SHOULDER", "SHOULDER"): "trunk_bends",
    }
    return by_segment.get((names[0], names[1]), "moves") if spec.kind == "segment" else "moves"


def range_sentence(
    exercise: Exercise,
    then: tuple[dt.date, float] | None,
    now_deg: float,
    t: Translator,
) -> str:
    """The latest range of movement against an earlier day's (`then`: day, degrees)."""
    if then is None:
        return t.gettext(FIRST).format(deg=round(now_deg))
    day, then_deg = then
    change = now_deg - then_deg
    when = t.short_day(day)
    if abs(change) < SAME_DEG:
        return t.gettext(SAME).format(day=when)
    if change < 0:
        return t.gettext(LESS).format(deg=round(-change), day=when)
    return t.gettext(FURTHER[movement(exercise)]).format(deg=round(change), day=when)


def hold_sentence(then: tuple[dt.date, float] | None, now_s: float, t: Translator) -> str:
    """The latest hold against an earlier day's (`then`: day, seconds held)."""
    if then is None:
        return t.gettext(HELD_FIRST).format(seconds=round(now_s))
    day, then_s = then
    change, when = now_s - then_s, t.short_day(day)
    if abs(change) < SAME_S:
        return t.gettext(HELD_SAME).format(day=when)
    text = HELD_LONGER if change > 0 else HELD_LESS
    return t.gettext(text).format(seconds=round(abs(change)), day=when)
