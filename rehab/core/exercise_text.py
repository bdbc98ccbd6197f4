"""An exercise's words in another language: the `translations:` block (pure core).

The English text stays where it is (name, description, instructions, each form rule's cue,
the tempo cues); each translation sits beside it, complete:

    translations:
      es:
        name: Sentadilla
        description: ...
        instructions: [...]                 # as many steps as the English
        cues: {chest_up: Mantén el pecho arriba, too_fast: ..., too_slow: ...}

`cues` names every form rule by its id, plus `too_fast` and `too_slow` when the exercise has
a `tempo:`. `rehab.core.exercise.Exercise` checks this when the file is loaded.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

ENGLISH = "en"
TRANSLATED_LANGUAGES: tuple[str, ...] = ("es",)  # languages an exercise file may translate to
LANGUAGES: tuple[str, ...] = (ENGLISH, *TRANSLATED_LANGUAGES)
TEMPO_CUE_KEYS: tuple[str, ...] = ("too_fast", "too_slow")


class ExerciseText(BaseModel):
    """The words of one exercise in one language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    instructions: list[str] = Field(min_length=1)
    cues: dict[str, str] = {}


def check_language(code: str) -> str:
    """A language an exercise file may carry a translation for; ValueError names them."""
    if code in TRANSLATED_LANGUAGES:
        return code
    raise ValueError(
        f"unsupported language '{code}' (exercise translations: {', '.join(TRANSLATED_LANGUAGES)})"
    )
