"""How a prescribed dose reads to a patient, in their language: '3 sets × 10 reps',
'5 days a week', 'left side'. Shared by the handout, the reminders and the patient's page."""

from __future__ import annotations

from rehab.core.results import Side
from rehab.i18n import N_, Translator

TITLE = N_("Home exercise program")
FOR_PATIENT = N_("For {patient}")
THERAPIST = N_("Your therapist: {name}")
FROM_TO = N_("From {start} to {end}")
FROM = N_("From {start}")
SCAN = N_("Scan to open your exercises")
NOTE = N_("Note from your therapist")
START = N_("Start")
PEAK = N_("Top of the movement")
PAGE = N_("Page {page} of {pages}")
ISSUED = N_("Printed on {day}")
SIDES = {
    Side.LEFT: N_("Left side"),
    Side.RIGHT: N_("Right side"),
    Side.BOTH: N_("Both sides"),
}
IN_TURN = N_("Left and right in turn")


def dose(sets: int, reps: int | None, hold_s: float | None, t: Translator) -> str:
    """'3 sets of 10 repetitions' or '2 sets: hold 30 seconds each' (words, no abbreviations)."""
    sets_text = t.ngettext("{n} set", "{n} sets", sets).format(n=sets)
    if hold_s is not None:
        seconds = round(hold_s)
        each = t.ngettext(
            "{sets}: hold {seconds} second each", "{sets}: hold {seconds} seconds each", seconds
        )
        return each.format(sets=sets_text, seconds=f"{hold_s:g}")
    count = reps or 0
    each = t.ngettext("{n} repetition", "{n} repetitions", count).format(n=count)
    return t.gettext("{sets} of {each}").format(sets=sets_text, each=each)


def days(per_week: int, t: Translator) -> str:
    return t.ngettext("{n} day a week", "{n} days a week", per_week).format(n=per_week)


def side(which: Side, alternating: bool, t: Translator) -> str:
    if alternating and which is Side.BOTH:
        return t.gettext(IN_TURN)
    return t.gettext(SIDES[which])
