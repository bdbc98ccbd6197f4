"""Progress in plain language: "Your knee bends 12° further than on 3 November."

The movement's words come from what the exercise counts and which way the angle goes (a knee
that bends further in a squat, one that straightens further in a knee extension, an arm that
lifts higher); no abbreviations, and a change under `SAME_DEG` reads as "about the same".
The earlier session is named by its day as the patient lives it: "earlier today",
"yesterday", or "on 3 November".
"""

from __future__ import annotations

import datetime as dt

from rehab.core.body_motion import bare_joint
from rehab.core.exercise import Exercise
from rehab.i18n import N_, Translator

SAME_DEG = 3.0  # smaller changes are within what the camera can tell apart
SAME_S = 2.0

FURTHER = {
    "knee_bends": N_("Your knee bends {deg}° further than {when}."),
    "knee_straightens": N_("Your knee straightens {deg}° further than {when}."),
    "elbow_bends": N_("Your elbow bends {deg}° further than {when}."),
    "elbow_straightens": N_("Your elbow straightens {deg}° further than {when}."),
    "arm_lifts": N_("Your arm lifts {deg}° higher than {when}."),
    "leg_lifts": N_("Your leg lifts {deg}° higher than {when}."),
    "hips_lift": N_("Your hips lift {deg}° higher than {when}."),
    "heels_rise": N_("You rise {deg}° higher onto your toes than {when}."),
    "trunk_bends": N_("You bend {deg}° further to the side than {when}."),
    "moves": N_("You move {deg}° further than {when}."),
}
SAME = N_("About the same range as {when}: keep going.")
LESS = N_("{deg}° less range than {when}. Tell your therapist if it hurts more.")
ON_DAY = N_("on {day}")  # "than on 3 November"
EARLIER_TODAY = N_("earlier today")  # "than earlier today"
YESTERDAY = N_("yesterday")  # "than yesterday"
FIRST = N_("Your first time: {deg}° of movement.")
HELD_LONGER = N_("You held {seconds} seconds longer than {when}.")
HELD_SAME = N_("You held about as long as {when}.")
HELD_LESS = N_("You held {seconds} seconds less than {when}.")
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


def when(day: dt.date, today: dt.date, t: Translator) -> str:
    """The earlier session's day as the sentences say it: 'earlier today', 'yesterday',
    'on 3 November'."""
    if day == today:
        return t.gettext(EARLIER_TODAY)
    if day == today - dt.timedelta(days=1):
        return t.gettext(YESTERDAY)
    return t.gettext(ON_DAY).format(day=t.short_day(day))


def range_sentence(
    exercise: Exercise,
    then: tuple[dt.date, float] | None,
    now_deg: float,
    t: Translator,
    today: dt.date,
) -> str:
    """The latest range of movement against an earlier session's (`then`: its day in the
    clinic's time zone, degrees); `today` is the patient's day."""
    if then is None:
        return t.gettext(FIRST).format(deg=round(now_deg))
    day, then_deg = then
    change, earlier = now_deg - then_deg, when(day, today, t)
    if abs(change) < SAME_DEG:
        return t.gettext(SAME).format(when=earlier)
    if change < 0:
        return t.gettext(LESS).format(deg=round(-change), when=earlier)
    return t.gettext(FURTHER[movement(exercise)]).format(deg=round(change), when=earlier)


def hold_sentence(
    then: tuple[dt.date, float] | None, now_s: float, t: Translator, today: dt.date
) -> str:
    """The latest hold against an earlier session's (`then`: its day, seconds held)."""
    if then is None:
        return t.gettext(HELD_FIRST).format(seconds=round(now_s))
    day, then_s = then
    change, earlier = now_s - then_s, when(day, today, t)
    if abs(change) < SAME_S:
        return t.gettext(HELD_SAME).format(when=earlier)
    text = HELD_LONGER if change > 0 else HELD_LESS
    return t.gettext(text).format(seconds=round(abs(change)), when=earlier)
