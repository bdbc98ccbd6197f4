"""Every word an AppTest page shows, and a pseudo-language that marks the catalogue's words.

`page_texts(at)` walks the whole element tree (titles, Markdown, captions, alerts, metric
labels and values, button, widget and expander labels, help texts, options) and returns the
strings a person can read. `pseudo_spanish(monkeypatch)` makes the Spanish catalogue give
every translation between ⟦ and ⟧, so whatever a page shows outside the brackets did not go
through the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from streamlit.testing.v1 import AppTest

from rehab import i18n
from rehab.dashboard.safe_text import plain

OPEN, CLOSE = "⟦", "⟧"
TEXT_FIELDS = {"body", "label", "help", "placeholder", "caption", "content", "options", "delta"}
SKIPPED_TYPES = {"html"}  # style sheets and the speech script: not text a person reads
ICON = re.compile(r":material/[a-z0-9_]+:")  # an icon, not words
INNERMOST = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", re.S)  # marked words may nest


def _proto_texts(message: Any, out: list[str]) -> None:
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        if field.type == field.TYPE_MESSAGE:
            for item in values:
                _proto_texts(item, out)
        elif field.type == field.TYPE_STRING and field.name in TEXT_FIELDS:
            out.extend(str(v) for v in values if str(v).strip())


def _walk(node: Any, out: list[str]) -> None:
    if getattr(node, "type", "") in SKIPPED_TYPES:
        return
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        _proto_texts(proto, out)
    for child in getattr(node, "children", {}).values():
        _walk(child, out)


def page_texts(at: AppTest) -> list[str]:
    """The readable strings of the whole page, sidebar included."""
    out: list[str] = []
    _walk(at._tree, out)
    return out


def pseudo_spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Spanish catalogue with every translation wrapped in ⟦ ⟧ (untranslated entries
    stay English and unwrapped, so they are caught too)."""
    real = i18n.load_catalog("es")
    fake = Catalog(locale="es")
    for message in real:
        if not message.id or not message.string or message.fuzzy:
            continue
        strings = message.string
        wrapped = (
            tuple(f"{OPEN}{s}{CLOSE}" for s in strings)
            if isinstance(strings, tuple)
            else f"{OPEN}{strings}{CLOSE}"
        )
        fake.add(message.id, wrapped)
    original = i18n.load_catalog

    def load(language: str) -> Catalog:
        return fake if language == "es" else original(language)

    monkeypatch.setattr(i18n, "load_catalog", load)


def unmarked_words(texts: Iterable[str], data: Iterable[str]) -> list[str]:
    """What is left of each text once the marked words and the known data (names, the
    therapist's notes, the exercise files' words; as typed or escaped) are taken out: only
    texts with letters left over are returned."""
    known = sorted({d for d in data if d} | {plain(d) for d in data if d}, key=len, reverse=True)
    left = []
    for text in texts:
        rest = ICON.sub(" ", text)
        while INNERMOST.search(rest):
            rest = INNERMOST.sub(" ", rest)
        for item in known:
            rest = rest.replace(item, " ")
        if re.search(r"[^\W\d_]", rest):
            left.append(f"{text!r} -> {rest.strip()!r}")
    return left
