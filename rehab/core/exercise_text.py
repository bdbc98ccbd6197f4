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

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

ENGLISH = "en"
TRANSLATED_LANGUAGES: tuple[str, ...] = ("es",)  # languages an exercise file may translate to
LANGUAGES: tuple[str, ...] = (ENGLISH, *TRANSLATED_LANGUAGES)
TEMPO_CUE_KEYS: tuple[str, ...] = ("too_fast", "too_slow")


Step = Annotated[str, Field(min_length=1, max_length=500)]
Cue = Annotated[str, Field(min_length=3, max_length=200)]


class ExerciseText(BaseModel):
    """The words of one exercise in one language (as long as the English may be)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=4000)
    instructions: list[Step] = Field(min_length=1, max_length=30)
    cues: dict[str, Cue] = Field({}, max_length=40)


def check_language(code: str) -> str:
    """A language an exercise file may carry a translation for; ValueError names them."""
    if code in TRANSLATED_LANGUAGES:
        return code
    raise ValueError(
        f"unsupported language '{code}' (exercise translations: {', '.join(TRANSLATED_LANGUAGES)})"
    )
