"""Progress told in plain words, in English and Spanish."""

from __future__ import annotations

import datetime as dt

import pytest

from rehab.exercise_library import load_library
from rehab.i18n import translator
from rehab.patient.progress_words import hold_sentence, movement, range_sentence

LIBRARY = load_library()
NOV_3 = dt.date(2026, 11, 3)
NOV_30 = dt.date(2026, 11, 30)  # "today" in these sentences
EN, ES = translator("en"), translator("es")


def test_the_issues_example() -> None:
    squat = LIBRARY.get("squat")
    assert range_sentence(squat, (NOV_3, 80.0), 92.4, EN, NOV_30) == (
        "Your knee bends 12° further than on 3 November."
    )
    assert range_sentence(squat, (NOV_3, 80.0), 92.4, ES, NOV_30) == (
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
    assert range_sentence(curl, (NOV_3, 100.0), 101.5, EN, NOV_30) == (
        "About the same range as on 3 November: keep going."
    )
    assert range_sentence(curl, (NOV_3, 100.0), 90.0, EN, NOV_30).startswith("10° less range")
    assert range_sentence(curl, None, 118.6, EN, NOV_30) == "Your first time: 119° of movement."
    assert "ROM" not in range_sentence(curl, (NOV_3, 100.0), 90.0, ES, NOV_30)


def test_holds() -> None:
    assert (
        hold_sentence((NOV_3, 20.0), 30.4, EN, NOV_30)
        == "You held 10 seconds longer than on 3 November."
    )
    assert hold_sentence((NOV_3, 20.0), 21.0, ES, NOV_30) == (
        "Has aguantado más o menos lo mismo que el 3 de noviembre."
    )
    assert hold_sentence(None, 12.2, EN, NOV_30) == "Your first time: you held 12 seconds."


@pytest.mark.parametrize(
    ("then", "english", "spanish"),
    [
        (NOV_30, "than earlier today", "que hoy más temprano"),
        (dt.date(2026, 11, 29), "than yesterday", "que ayer"),
        (dt.date(2026, 11, 28), "than on 28 November", "que el 28 de noviembre"),
    ],
)
def test_the_earlier_session_is_named_from_today(then: dt.date, english: str, spanish: str) -> None:
    """Two sessions the same day read "earlier today", never "than on 30 November"."""
    squat = LIBRARY.get("squat")
    assert range_sentence(squat, (then, 80.0), 92.4, EN, NOV_30) == (
        f"Your knee bends 12° further {english}."
    )
    assert range_sentence(squat, (then, 80.0), 92.4, ES, NOV_30) == (
        f"Tu rodilla se dobla 12° más {spanish}."
    )
    assert hold_sentence((then, 20.0), 30.0, EN, NOV_30) == (
        f"You held 10 seconds longer {english}."
    )
    assert hold_sentence((then, 20.0), 20.5, ES, NOV_30).endswith(f"lo mismo {spanish}.")
