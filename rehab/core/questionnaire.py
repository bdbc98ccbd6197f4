"""The questionnaire (outcome measure) schema: what a clinic writes in
`questionnaires/*.yaml`, and how a filled-in one is scored and read (pure core).

A questionnaire has items answered on a scale (the same scale for every item, or each its
own), a scoring rule (sum, sum prorated over the answered items, or mean; optionally
rescaled to 0-100), interpretation bands, and the minimal clinically important difference
(MCID): the smallest change a patient feels, in score points. A patient-specific
questionnaire (the Patient-Specific Functional Scale) has slots whose wording each patient
gives (their activities). Loading files and naming file, line and field of a problem
lives in `rehab.questionnaires`.

Validated instruments are translated by their owners, not by us: a clinic holding a licensed
translation adds it beside the English, complete (every item's text, every anchor label,
keyed by the English label), with where it comes from:

    translations:
      es:
        source: Spanish version licensed from ... (2024)
        name: Escala numérica del dolor
        instructions: Elige el número que mejor describe tu dolor ahora mismo.
        items: {pain_now: "¿Cuánto dolor sientes ahora mismo?"}
        anchors: {No pain: Sin dolor, Worst pain imaginable: El peor dolor imaginable}

Without one, a patient reading another language is told the questionnaire is in English and
sees the original (`in_language` returns None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rehab.core.exercise_text import ENGLISH, TRANSLATED_LANGUAGES

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Anchor(_Model):
    """A labelled point of an answer scale, e.g. 0 = "Extreme difficulty"."""

    value: int
    label: str = Field(min_length=1)


class Scale(_Model):
    """The answers an item takes: whole numbers from `min` to `max`; `anchors` label some
    (every value, for a scale read as words)."""

    min: int = 0
    max: int = Field(ge=1)
    anchors: list[Anchor] = []

    @model_validator(mode="after")
    def _range(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be above min ({self.min})")
        outside = [a.value for a in self.anchors if not self.min <= a.value <= self.max]
        if outside:
            raise ValueError(f"anchors {outside} are outside {self.min}-{self.max}")
        return self

    def label(self, value: int) -> str:
        return next((a.label for a in self.anchors if a.value == value), str(value))

    @property
    def worded(self) -> bool:
        """Every value has a label (the answer is picked from words, not a number line)."""
        return {a.value for a in self.anchors} == set(range(self.min, self.max + 1))


class Item(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = ""  # empty for a patient-specific slot (its wording is the patient's)
    scale: Scale | None = None  # None: the questionnaire's `scale`


class Method(StrEnum):
    SUM = "sum"
    SUM_PRORATED = "sum_prorated"  # sum x items / items answered (missing items allowed)
    MEAN = "mean"


class Scoring(_Model):
    method: Method
    min_answered: int = Field(default=1, ge=1)  # fewer: no score
    percent: bool = False  # rescale to 0-100 of the possible range
    higher_is_better: bool


class Band(_Model):
    """An interpretation band: scores from `min` to `max` (both included) read as `label`."""

    min: float
    max: float
    label: str = Field(min_length=1)


class Mcid(_Model):
    """The minimal clinically important difference, in score points, and where it is from."""

    points: float = Field(gt=0)
    source: str = Field(min_length=3)


class PatientSpecific(_Model):
    """Slots worded by each patient: at least `min_items` of the items."""

    min_items: int = Field(default=1, ge=1)


class QuestionnaireText(_Model):
    """A licensed translation of what the patient reads: name, instructions, every item's
    text (by item id) and every anchor label (by its English label)."""

    source: str = Field(min_length=10)  # whose translation, and on what licence
    name: str = Field(min_length=1)
    instructions: str = Field(min_length=1)
    items: dict[str, str] = {}
    anchors: dict[str, str] = {}


class Questionnaire(_Model):
    """One questionnaire definition (schema version 1)."""

    schema_version: Literal[1]
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1, max_length=16)
    description: str = Field(min_length=1)
    instructions: str = Field(min_length=1)  # what the patient reads before the items
    licence: str = Field(min_length=10)  # who owns it and on what terms we may use it
    citation: str = Field(min_length=10)
    scale: Scale | None = None  # shared by the items that set none
    items: list[Item] = Field(min_length=1)
    patient_specific: PatientSpecific | None = None
    scoring: Scoring
    bands: list[Band] = []
    mcid: Mcid
    default_every_days: int = Field(default=14, ge=1, le=365)
    translations: dict[str, QuestionnaireText] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"item ids repeat: {ids}")
        missing = [i.id for i in self.items if i.scale is None and self.scale is None]
        if missing:
            raise ValueError(f"items {missing} have no scale (give `scale` or the item's own)")
        if self.patient_specific is None and any(not i.text.strip() for i in self.items):
            raise ValueError(
                "every item needs its text (or make the questionnaire patient_specific)"
            )
        if self.scoring.min_answered > len(self.items):
            raise ValueError(
                f"scoring.min_answered ({self.scoring.min_answered}) is more than the "
                f"{len(self.items)} items"
            )
        low, high = self.score_range
        for band in self.bands:
            if band.max < band.min or band.min < low or band.max > high:
                raise ValueError(
                    f"band '{band.label}' ({band.min}-{band.max}) is outside {low}-{high}"
                )
        return self

    @model_validator(mode="after")
    def _translations_complete(self) -> Questionnaire:
        items = {i.id for i in self.items if i.text.strip()}
        labels = {a.label for i in self.items for a in self.scale_of(i).anchors}
        for code, text in self.translations.items():
            if code not in TRANSLATED_LANGUAGES:
                raise ValueError(
                    f"translations: unsupported language '{code}' "
                    f"(use one of: {', '.join(TRANSLATED_LANGUAGES)})"
                )
            for part, wanted, given in (("items", items, text.items), ("anchors", labels,
                                        text.anchors)):  # fmt: skip
                missing, unknown = sorted(wanted - set(given)), sorted(set(given) - wanted)
                if missing or unknown:
                    problem = f"missing {missing}" if missing else f"unknown {unknown}"
                    raise ValueError(f"translations.{code}.{part}: {problem}")
        return self

    def scale_of(self, item: Item) -> Scale:
        scale = item.scale or self.scale
        assert scale is not None  # checked when the file is read
        return scale

    @property
    def score_range(self) -> tuple[float, float]:
        if self.scoring.percent:
            return 0.0, 100.0
        lows = [self.scale_of(i).min for i in self.items]
        highs = [self.scale_of(i).max for i in self.items]
        if self.scoring.method is Method.MEAN:
            return float(min(lows)), float(max(highs))
        return float(sum(lows)), float(sum(highs))

    def score(self, answers: Mapping[str, int | None]) -> float | None:
        """The score of a filled-in questionnaire (None: too few answers). Answers outside
        an item's scale or for unknown items raise ValueError."""
        known = {i.id: i for i in self.items}
        unknown = sorted(set(answers) - set(known))
        if unknown:
            raise ValueError(f"{self.id}: unknown items {unknown}")
        given: list[tuple[Item, int]] = []
        for item_id, value in answers.items():
            if value is None:
                continue
            item = known[item_id]
            scale = self.scale_of(item)
            if not scale.min <= value <= scale.max:
                raise ValueError(f"{self.id}.{item_id}: {value} is outside {scale.min}-{scale.max}")
            given.append((item, value))
        if len(given) < self.scoring.min_answered:
            return None
        return self._scored(given)

    def _scored(self, given: Sequence[tuple[Item, int]]) -> float:
        values = [float(v) for _, v in given]
        method = self.scoring.method
        if method is Method.MEAN:
            raw = sum(values) / len(values)
        elif method is Method.SUM_PRORATED:
            raw = sum(values) * len(self.items) / len(values)
        else:
            raw = sum(values)
        if not self.scoring.percent:
            return raw
        if method is Method.MEAN:
            low, high = (
                float(min(self.scale_of(i).min for i, _ in given)),
                float(max(self.scale_of(i).max for i, _ in given)),
            )
        else:
            low = sum(float(self.scale_of(i).min) for i in self.items)
            high = sum(float(self.scale_of(i).max) for i in self.items)
        return 100.0 * (raw - low) / (high - low)

    def band(self, score: float | None) -> str:
        """The interpretation band of a score ('' when none applies)."""
        if score is None or math.isnan(score):
            return ""
        return next((b.label for b in self.bands if b.min <= score <= b.max), "")


def in_language(q: Questionnaire, language: str) -> Questionnaire | None:
    """The questionnaire as a patient reading `language` sees it (the same items, scales and
    scoring, the licensed translation's words); None when it has no such translation."""
    if language == ENGLISH:
        return q
    text = q.translations.get(language)
    if text is None:
        return None

    def scale(found: Scale | None) -> Scale | None:
        if found is None:
            return None
        anchors = [a.model_copy(update={"label": text.anchors[a.label]}) for a in found.anchors]
        return found.model_copy(update={"anchors": anchors})

    items = [
        i.model_copy(update={"text": text.items.get(i.id, i.text), "scale": scale(i.scale)})
        for i in q.items
    ]
    return q.model_copy(
        update={
            "name": text.name,
            "instructions": text.instructions,
            "items": items,
            "scale": scale(q.scale),
        }
    )


class Change(StrEnum):
    IMPROVED = "improved"  # better by at least the MCID
    WORSE = "worse"  # worse by at least the MCID
    NO_IMPORTANT_CHANGE = "no important change"
    FIRST = "first"  # nothing to compare with


@dataclass(frozen=True)
class Reading:
    """A score read against the first one: the change and whether it matters clinically."""

    score: float
    change: float  # score minus the first score (NaN for the first)
    verdict: Change
    band: str


def read_change(q: Questionnaire, first: float | None, score: float) -> Reading:
    """Compare a score with the first (baseline) one, in the questionnaire's direction."""
    if first is None:
        return Reading(score, math.nan, Change.FIRST, q.band(score))
    change = score - first
    better = change if q.scoring.higher_is_better else -change
    if better >= q.mcid.points:
        verdict = Change.IMPROVED
    elif -better >= q.mcid.points:
        verdict = Change.WORSE
    else:
        verdict = Change.NO_IMPORTANT_CHANGE
    return Reading(score, change, verdict, q.band(score))


def describe_reading(q: Questionnaire, reading: Reading) -> str:
    """'48 (+12 since the first, improved: MCID 9)' or '48 (first)'."""
    shown = f"{reading.score:.{_digits(q)}f}"
    if reading.verdict is Change.FIRST:
        return f"{shown} (first)"
    change = f"{reading.change:+.{_digits(q)}f}"
    return f"{shown} ({change} since the first: {reading.verdict.value}, MCID {q.mcid.points:g})"


def _digits(q: Questionnaire) -> int:
    return 1 if q.scoring.method is Method.MEAN else 0
