"""Progress told in plain words, in English and Spanish."""

from __future__ import annotations

import datetime as dt

import pytest

from rehab.exercise_library import load_library
from rehab.i18n import translator
from rehab.patient.progress_words import hold_sentence, movement, range_sentence

LIBRARY = load_library()
NOV_3 = dt.date(2026, 11, 3)
EN, ES = translator("en"), translator("es")


def test_the_issues_example() -> None:
    squat = LIBRARY.get("squat")
    assert range_sentence(squat, (NOV_3, 80.0), 92.4, EN) == (
        "Your knee bends 12° further than on 3 November."
    )
    assert range_sentence(squat, (NOV_3, 80.0), 92.4, ES) == (
        "Tu rodilla se dobla 12° más que el 3 de noviembre."
    )


@pytest.mark.parametrize(
    ("exercise_id", "words"),
    [
        ("knee_extension", "knee_straightens"),  # the angle falls as the knee straightens
        ("biceps_curl", "elbow_bends"),
        ("shoulder_abduction", "arm_lifts"),
        ("straight_leg_raise", "leg_lifts"),  # a hip angle that falls as the leg lifts
        ("glute_bridge", "hips_lift"),  # a hip angle that rises as the hips lift
        ("heel_raise", "heels_rise"),
        ("side_bend", "trunk_bends"),
    ],
)
def test_the_words_follow_the_movement(exercise_id: str, words: str) -> None:
    assert movement(LIBRARY.get(exercise_id)) == words


def test_no_change_less_and_a_first_time() -> None:
    curl = LIBRARY.get("biceps_curl")
    assert range_sentence(curl, (NOV_3, 100.0), 101.5, EN) == (
        "About the same range as on 3 November: keep going."
    )
    assert range_sentence(curl, (NOV_3, 100.0), 90.0, EN).startswith("10° less range")
    assert range_sentence(curl, None, 118.6, EN) == "Your first time: 119° of movement."
    assert "ROM" not in range_sentence(curl, (NOV_3, 100.0), 90.0, ES)


def test_holds() -> None:
    assert (
        hold_sentence((NOV_3, 20.0), 30.4, EN) == "You held 10 seconds longer than on 3 November."
    )
    assert hold_sentence((NOV_3, 20.0), 21.0, ES) == (
        "Has aguantado más o menos lo mismo que el 3 de noviembre."
    )
    assert hold_sentence(None, 12.2, EN) == "Your first time: you held 12 seconds."
