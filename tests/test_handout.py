"""The printed home program (PDF) and the calendar reminders (.ics), read back."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import segno
from dateutil.rrule import rrulestr
from icalendar import Calendar
from PIL import Image

from rehab.errors import InputError
from rehab.exercise_library import load_library
from rehab.handout.reminders import build_ics, exercise_days
from rehab.handout.render import render_handout
from tests.handout_fixture import PRESCRIBED, sample_handout

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
LIBRARY = load_library()
CAPTIONS = {"en": ("Start", "Top of the movement"), "es": ("Inicio", "Punto más alto")}
FOOTER = re.compile(r"Clínica Rehab Árbol · José Núñez\s+(Page|Página) \d+ (of|de) \d+")


def _pdf_text(pdf: bytes, tmp_path: Path, language: str) -> str:
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [line for line in text.splitlines() if line.strip() not in CAPTIONS[language]]
    return " ".join(FOOTER.sub(" ", " ".join(lines)).split())


def _squash(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def _expected_english() -> str:
    """The prescription in the words the page must carry, written out here on its own."""
    parts = [
        "Clínica Rehab Árbol", "Home exercise program", "For José Núñez",
        "Your therapist: Dr. Ana Pérez", "From 3 November 2026 to 15 December 2026",
        "Printed on 30 November 2026", "Scan to open your exercises",
        "Knee strength after ACL repair",
        "Warm up for five minutes first. Ice the knee for 10 minutes afterwards.",
    ]  # fmt: skip
    doses = {
        "squat": "3 sets of 10 repetitions · 5 days a week · Both sides",
        "straight_leg_raise": "2 sets of 12 repetitions · 5 days a week · Left side",
        "plank": "2 sets: hold 20 seconds each · 5 days a week · Both sides",
    }
    for n, (exercise_id, *_, note) in enumerate(PRESCRIBED, start=1):
        exercise = LIBRARY.get(exercise_id)
        parts += [f"{n}. {exercise.name}", doses[exercise_id]]
        parts += [f"{k}. {step}" for k, step in enumerate(exercise.instructions, start=1)]
        if note:
            parts += ["Note from your therapist", note]
    return _squash(parts)


def test_the_printed_text_is_the_prescription(tmp_path: Path) -> None:
    pdf = render_handout(sample_handout("en"))
    assert _pdf_text(pdf, tmp_path, "en") == _expected_english()
    assert "90° is plenty" in _expected_english()  # the degree sign survives the font


def test_spanish_handout(tmp_path: Path) -> None:
    text = _pdf_text(render_handout(sample_handout("es")), tmp_path, "es")
    squat = LIBRARY.get("squat").translations["es"]
    for expected in (
        "Programa de ejercicios en casa",
        "Para José Núñez",
        "Del 3 de noviembre de 2026 al 15 de diciembre de 2026",
        f"1. {squat.name}",
        "3 series de 10 repeticiones · 5 días a la semana · Ambos lados",
        "2 series: aguanta 20 segundos cada una",
        "Lado izquierdo",
        f"1. {squat.instructions[0]}",
        "Nota de tu fisioterapeuta",
    ):
        assert expected in text, expected


def test_pages_render_with_the_stills_and_a_qr_code_for_the_patients_page(tmp_path: Path) -> None:
    handout = sample_handout("en")
    path = tmp_path / "handout.pdf"
    path.write_bytes(render_handout(handout))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    for page in pages:
        grey = np.asarray(Image.open(page).convert("L"))
        assert grey.shape[0] > grey.shape[1]  # portrait A4
        assert np.mean(grey < 200) > 0.01  # not blank
    subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / "img")], check=True)
    images = sorted(tmp_path.glob("img-*.png"))
    assert len(images) == 1 + 2 * len(handout.items)  # the QR code and two stills each
    assert _qr_modules(images[0]) == _expected_modules(handout.patient_url)


def _expected_modules(url: str) -> list[list[bool]]:
    return [[bool(v) for v in row] for row in segno.make(url, error="m").matrix]


def _qr_modules(png: Path) -> list[list[bool]]:
    """The QR image sampled at the centre of each module (border of 2 modules)."""
    dark = np.asarray(Image.open(png).convert("L")) < 128
    n_px = dark.shape[0]
    for modules in range(21, 178, 4):
        if n_px % (modules + 4) == 0:
            scale = n_px // (modules + 4)
            centres = [(2 + i) * scale + scale // 2 for i in range(modules)]
            return [[bool(dark[y, x]) for x in centres] for y in centres]
    raise AssertionError(f"{png.name}: {n_px} px is no QR size")


# --- reminders ------------------------------------------------------------------------------


def _ics() -> Calendar:
    handout = sample_handout("en", stills=False)
    return Calendar.from_ical(
        build_ics(handout, dt.time(18, 30), "Europe/Madrid", "program-17@clinic")
    )


def test_reminders_parse_back_with_the_prescribed_days() -> None:
    calendar = _ics()
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    start = event.decoded("dtstart")
    assert start == dt.datetime(2026, 11, 3, 18, 30, tzinfo=start.tzinfo)
    assert str(start.tzinfo) == "Europe/Madrid"
    rule = event["rrule"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO", "TU", "WE", "TH", "FR"]
    occurrences = list(rrulestr(rule.to_ical().decode(), dtstart=start))
    assert len(occurrences) == 31  # weekdays from Tue 3 Nov to Tue 15 Dec 2026
    assert occurrences[-1].date() == dt.date(2026, 12, 15)
    assert all(o.weekday() < 5 and o.hour == 18 and o.minute == 30 for o in occurrences)
    alarm = next(iter(event.walk("VALARM")))
    assert alarm.decoded("trigger") == dt.timedelta(minutes=-10)
    description = str(event["description"])
    assert "Squat: 3 sets of 10 repetitions" in description
    assert "Plank: 2 sets: hold 20 seconds each" in description
    assert event["url"] == "https://rehab.example.org/?page=home&patient=17"
    assert str(event["uid"]) == "program-17@clinic-5"
    assert calendar.walk("VTIMEZONE")  # the time zone travels with the file


def test_fewer_days_a_week_are_spread_out() -> None:
    assert exercise_days(3) == (0, 2, 4)
    assert exercise_days(2) == (0, 3)
    with pytest.raises(InputError, match="1-7"):
        exercise_days(8)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InputError, match="Mars/Olympus"):
        build_ics(sample_handout(stills=False), dt.time(9), "Mars/Olympus", "p")
