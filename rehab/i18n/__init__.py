"""Patient-facing words in the patient's language: gettext catalogues kept with Babel.

Mark a string where it is written, translate it where it is shown:

    from rehab.i18n import N_, translator
    GREETING = N_("Today's exercises")          # marked for extraction, still English
    _ = translator("es").gettext
    _(GREETING)                                # 'Ejercicios de hoy'

The catalogues are `rehab/i18n/locales/<lang>/LC_MESSAGES/messages.po`, read with Babel
when first used (no compiled .mo files to keep in step). `make messages` extracts the
marked strings into `messages.pot` and merges them into each catalogue; the test
`tests/test_i18n.py` fails when a marked string has no Spanish translation. Exercise names,
instructions and cues are translated in the exercise files (`rehab.core.exercise_text`).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date, format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from rehab.core.exercise_text import ENGLISH, LANGUAGES

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}  # each in its own language
SPEECH_LANGUAGE = {"en": "en-GB", "es": "es-ES"}  # BCP 47 tags for the browser's voices
BABEL_LOCALE = {"en": "en_GB", "es": "es_ES"}  # dates and numbers as written there


def N_(message: str) -> str:  # gettext's conventional name for the marker
    """Mark `message` for translation without translating it here."""
    return message


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def check_language(language: str) -> str:
    """`language` if the app speaks it; ValueError listing the languages else."""
    if language in LANGUAGES:
        return language
    raise ValueError(f"unsupported language '{language}' (use one of: {', '.join(LANGUAGES)})")


@functools.cache
def load_catalog(language: str) -> Catalog:
    """The language's catalogue as Babel reads it (English: an empty one)."""
    check_language(language)
    if language == ENGLISH:
        return Catalog(locale=ENGLISH)
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


@functools.cache
def _plural_rule(language: str) -> Callable[[int], int]:
    """The catalogue's plural rule (n -> which form), compiled once per language."""
    return gettext.c2py(load_catalog(language).plural_expr)


@dataclass(frozen=True)
class Translator:
    """gettext and ngettext for one language; an untranslated message stays English."""

    language: str

    def gettext(self, message: str) -> str:
        found = load_catalog(self.language).get(message)
        if found is None or not found.string or found.fuzzy:
            return message
        return str(found.string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = load_catalog(self.language).get(singular)
        fallback = singular if n == 1 else plural
        if found is None or found.fuzzy or not isinstance(found.string, tuple):
            return fallback
        index = int(_plural_rule(self.language)(n))
        text = found.string[min(index, len(found.string) - 1)]
        return str(text) if text else fallback

    def speech_language(self) -> str:
        return SPEECH_LANGUAGE[self.language]

    def day(self, date: dt.date) -> str:
        """A date in words: '3 November 2026', '3 de noviembre de 2026'."""
        return str(format_date(date, format="long", locale=BABEL_LOCALE[self.language]))

    def short_day(self, date: dt.date) -> str:
        """A date without the year: '3 November', '3 de noviembre'."""
        return str(format_skeleton("MMMMd", date, locale=BABEL_LOCALE[self.language]))

    def weekday_day(self, date: dt.date) -> str:
        """The weekday and the date: 'Saturday 28 November', 'sábado 28 de noviembre'."""
        weekday = format_date(date, format="EEEE", locale=BABEL_LOCALE[self.language])
        return f"{weekday} {self.short_day(date)}"


@functools.cache
def translator(language: str = ENGLISH) -> Translator:
    return Translator(check_language(language))


__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALES_DIR",
    "N_",
    "Translator",
    "catalog_path",
    "check_language",
    "load_catalog",
    "translator",
]
