"""Exercise library: every definition with its instructions, the measured angle and zones in
words and drawn on a skeleton; definitions that failed to load, with their error."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rehab.core.exercise import AngleSpec, Bounds, Exercise, FormRule, OffsetSpec, Zone
from rehab.dashboard import charts
from rehab.dashboard import formatting as fmt
from rehab.dashboard.safe_text import plain
from rehab.dashboard.state import exercise_library, require_user
from rehab.exercise_library import ExerciseLibrary


def library_table(library: ExerciseLibrary) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Exercise": e.name,
                "id": e.id,
                "Body region": e.body_region.value.replace("_", " "),
                "Counted": "hold (s)" if e.is_hold else "reps",
                "Sides": e.sides.value.replace("_", " "),
                "Camera": ", ".join(v.value for v in e.camera_views),
                "Target ROM": fmt.deg(e.target_rom_deg),
                "Form rules": len(e.form_rules),
            }
            for e in sorted(library.exercises.values(), key=lambda e: e.name)
        ]
    )


def zone_words(zone: Zone) -> str:
    if zone.min_deg is not None and zone.max_deg is not None:
        return f"between {zone.min_deg:.0f}° and {zone.max_deg:.0f}°"
    if zone.min_deg is not None:
        return f"{zone.min_deg:.0f}° or more"
    return f"{zone.max_deg:.0f}° or less"


def counting_words(exercise: Exercise) -> str:
    """How the exercise is counted, in words a clinician can check."""
    measured = f"Measured: {exercise.angle.describe()}."
    if exercise.hold is not None:
        hold = exercise.hold
        also = "".join(
            f", with {measure_words(c.measure)} {bounds_words(c.allowed)}" for c in hold.requires
        )
        return (
            f"{measured} A hold counts the seconds the angle stays {zone_words(hold.zone)}"
            f"{also}, from the moment the position is reached and steady (target "
            f"{hold.target_s:.0f} s; stays under {hold.min_s:.0f} s are not reported; wobbles "
            f"under {hold.grace_ms / 1000:g} s are forgiven)."
        )
    assert exercise.rest is not None and exercise.peak is not None
    text = (
        f"{measured} A rep starts at rest ({zone_words(exercise.rest)}), reaches the peak "
        f"({zone_words(exercise.peak)}) and comes back to rest; the angle must cross each "
        f"zone edge by {exercise.hysteresis_deg:.0f}° so that jitter cannot count twice."
    )
    if exercise.target_rom_deg:
        text += f" Default target range of motion: {exercise.target_rom_deg:.0f}°."
    return text


def bounds_words(bounds: Bounds) -> str:
    parts = [f"≥ {bounds.min:g}" if bounds.min is not None else "",
             f"≤ {bounds.max:g}" if bounds.max is not None else ""]  # fmt: skip
    return " and ".join(p for p in parts if p)


def measure_words(measure: AngleSpec | OffsetSpec) -> str:
    if isinstance(measure, AngleSpec):
        return measure.describe()
    a, b = measure.points
    per = "-".join(measure.per)
    return f"{a} {measure.axis} of {b}, in {per} lengths"


def rule_words(rule: FormRule) -> str:
    allowed = bounds_words(rule.allowed)
    what = measure_words(rule.measure)
    return (
        f"**{rule.cue}** ({rule.severity.value}) — {what}: allowed {allowed}, "
        f"checked {rule.when.replace('_', ' ')}"
    )


def _details(exercise: Exercise) -> None:
    st.header(exercise.name)
    st.write(exercise.description)
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Instructions**")
        st.markdown("\n".join(f"{n}. {line}" for n, line in enumerate(exercise.instructions, 1)))
        st.markdown("**How it is counted**")
        st.write(counting_words(exercise))
        if exercise.form_rules:
            st.markdown("**Form checks**")
            st.markdown("\n".join(f"- {rule_words(r)}" for r in exercise.form_rules))
        views = ", ".join(v.value for v in exercise.camera_views)
        st.caption(f"Film from: {views} · sides: {exercise.sides.value} · id `{exercise.id}`")
    with right:
        st.plotly_chart(charts.exercise_skeleton(exercise), key="skeleton")
        st.caption("The measured angle (red) on the left side of a standing figure.")
        st.plotly_chart(charts.zone_dial(exercise), key="zones")


def main() -> None:
    require_user()
    st.title("Exercise library")
    library = exercise_library()
    for problem in library.problems:
        st.error(f"Not loaded: {plain(problem)}")
    if not library.exercises:
        st.info("No exercise definitions loaded: add YAML files to `exercises/` "
                "(`rehab exercises validate` checks them).")  # fmt: skip
        return
    st.dataframe(library_table(library), hide_index=True, key="library_table")
    names = {e.id: e.name for e in library.exercises.values()}
    chosen = st.selectbox(
        "Show", sorted(names, key=names.__getitem__), format_func=names.__getitem__
    )
    _details(library.exercises[chosen])


if __name__ == "__main__":
    main()
