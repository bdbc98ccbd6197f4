"""The check-in, asked in words: "How much does it hurt now?" and "How hard was that?".

Each answer is a row of buttons 0-10 with nothing chosen: a value is empty until the
patient picks one (no slider resting on 0 that reads as "no pain"). Saving with nothing
chosen asks them to choose or skip; "Skip" records a skipped check-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import streamlit as st

from rehab.i18n import N_, Translator

SCALE = list(range(11))
PAIN_NOW = N_("How much does it hurt now?")
PAIN_WORDS = N_("0 means no pain at all, 10 the worst pain you can imagine.")
EFFORT = N_("How hard was that?")
EFFORT_WORDS = N_("0 means no effort at all, 10 as hard as you could possibly go.")
SAVE = N_("Save my answers")
SKIP = N_("Skip the questions")
CHOOSE_OR_SKIP = N_("Choose a number for at least one question, or skip the questions.")


@dataclass(frozen=True)
class Answers:
    """What the patient gave (None: not given), or that they skipped the questions."""

    pain: int | None
    effort: int | None
    skipped: bool


def scale_question(question: str, words: str, key: str, t: Translator) -> int | None:
    """One 0-10 question with its anchors in words; None until the patient picks a number."""
    picked = st.pills(t.gettext(question), SCALE, selection_mode="single", key=key, width="stretch")
    st.caption(t.gettext(words))
    return None if picked is None else int(picked)


def pain_question(key: str, t: Translator) -> int | None:
    return scale_question(PAIN_NOW, PAIN_WORDS, key, t)


def check_in_form(key: str, t: Translator, *, effort: bool = True) -> Answers | None:
    """Pain now (and how hard it was); the patient's answers once they press Save or Skip,
    else None."""
    pain = pain_question(f"{key}_pain", t)
    hard = scale_question(EFFORT, EFFORT_WORDS, f"{key}_effort", t) if effort else None
    left, right = st.columns(2)
    pressed: Literal["save", "skip"] | None = None
    if left.button(t.gettext(SAVE), type="primary", key=f"{key}_save", width="stretch"):
        pressed = "save"
    if right.button(t.gettext(SKIP), key=f"{key}_skip", width="stretch"):
        pressed = "skip"
    if pressed == "skip":
        return Answers(None, None, skipped=True)
    if pressed == "save":
        if pain is None and hard is None:
            st.warning(t.gettext(CHOOSE_OR_SKIP))
            return None
        return Answers(pain, hard, skipped=False)
    return None
