"""Reports from a seeded database: the PDF, HTML and CSV show what the store's queries compute.

The PDF's text comes from `pdftotext` (poppler-utils); its pages are rendered to PNG with
`pdftoppm` into artifacts/reports/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import sqlite3
import subprocess
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from rehab.core.results import Side
from rehab.errors import AccessDenied, InputError, NotFound
from rehab.reports import make_report, period_for_days, render_report, report_filename
from rehab.reports import render as render_module
from rehab.reports.model import pseudonym
from rehab.reports.text import NO_SESSIONS
from rehab.store import Database, queries
from rehab.store.models import AuditEntry
from rehab.store.queries import ReportData
from rehab.store.testing import sql_engine, sql_session
from tests.report_helpers import FIRST_DAY, LAST_DAY, PATIENT_NAME, Seeded, pdf_text, seed_history

pytest_plugins = ["rehab.store.pytest_plugin"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "reports"
NOTE = "Knee flexion improving — aim for 90° by the next review.\nKeep the wall sits."
PERIOD = period_for_days(FIRST_DAY, LAST_DAY)


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed_history(db)


def render(db: Database, seeded: Seeded, fmt: str, **kw: object) -> bytes:
    since, until = kw.pop("period", PERIOD)  # type: ignore[misc]
    with db.transaction() as tx:
        return render_report(
            tx,
            seeded.clinic.ther_a,
            seeded.patient_id,
            since,
            until,
            fmt,
            **kw,  # type: ignore[arg-type]
        )


def expected(db: Database, seeded: Seeded) -> ReportData:
    with db.transaction() as tx:
        return queries.report_data(tx, seeded.clinic.ther_a, seeded.patient_id, *PERIOD)


def expected_figures(data: ReportData) -> list[str]:
    """Strings every report must print, computed here from the query results alone."""
    figures = []
    by_side: dict[tuple[str, Side], list[float]] = defaultdict(list)
    for point in data.rom:
        by_side[(point.exercise_id, point.side)].append(point.mean_rom_deg)
    for means in by_side.values():
        figures += [f"{means[0]:.1f}°", f"{max(means):.1f}°", f"{means[-1]:.1f}°"]
        figures.append(f"{means[-1] - means[0]:+.1f}°")
    done = sum(w.prescribed_done for w in data.adherence)
    wanted = round(sum(w.due for w in data.adherence))
    share = queries.adherence_ratio(data.adherence)
    assert share is not None
    figures.append(f"{done} of {wanted} due ({100 * share:.0f}%, capped per week)")
    knee = [v for v in data.volume if v.exercise_id == "knee_extension"]
    reps_wanted = sum(v.reps_prescribed or 0 for v in knee)
    figures.append(f"Reps: {sum(v.reps_done for v in knee)} of {reps_wanted} prescribed")
    held = sum(v.hold_s_done for v in data.volume if v.exercise_id == "wall_sit")
    figures.append(f"Hold time: {held:.0f} s")
    figures.append(f"Complete reps {sum(s.complete_reps for s in data.sessions)}")
    return figures


def squash(words: str) -> str:
    return re.sub(r"\s+", " ", words)


def save_pages(pdf: Path, stem: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / stem)], check=True)
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


# -- PDF ----------------------------------------------------------------------------------------


def test_pdf_prints_the_figures_the_queries_compute(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(db, seeded, "pdf", therapist_note=NOTE))
    words = squash(pdf_text(pdf))
    data = expected(db, seeded)
    for figure in expected_figures(data):
        assert squash(figure) in words, figure
    assert PATIENT_NAME in words  # accents survive (DejaVu)
    assert "Knee flexion improving — aim for 90° by the next review." in words
    assert "10 of 12 due (83%, capped per week)" in words  # the seed: 12 planned, 2 missed
    # the longest key and its value side by side on one line, not overprinted
    assert re.search(r"Prescribed sessions done +10 of 12 due", pdf_text(pdf))
    assert "Complete reps 100" in words
    assert "Sessions interrupted 1" in words
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert "(A4)" in info.stdout
    assert f"Page {pages} of {pages}" in words
    assert len(save_pages(pdf, "report")) == pages


def test_pdf_asymmetry_and_form_trend(db: Database, seeded: Seeded, tmp_path: Path) -> None:
    data = expected(db, seeded)
    left = [p.mean_rom_deg for p in data.rom if p.side is Side.LEFT]
    right = [p.mean_rom_deg for p in data.rom if p.side is Side.RIGHT]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(db, seeded, "pdf"))
    words = squash(pdf_text(pdf))
    mean_l, mean_r = sum(left) / len(left), sum(right) / len(right)
    assert f"left {mean_l:.1f}°, right {mean_r:.1f}°, difference {mean_l - mean_r:+.1f}°" in words
    cue_total = sum(f.count for f in data.form_issues)
    assert cue_total == 4  # the seed: one cue in each of the first four sessions
    assert re.search(rf"Keep your back straight warning {cue_total} 4 .* fewer", words)


def test_empty_period_says_no_sessions(db: Database, seeded: Seeded, tmp_path: Path) -> None:
    period = period_for_days(LAST_DAY.replace(year=LAST_DAY.year + 1), LAST_DAY.replace(year=2030))
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(render(db, seeded, "pdf", period=period))
    assert NO_SESSIONS in squash(pdf_text(pdf))
    save_pages(pdf, "empty")
    html = render(db, seeded, "html", period=period).decode()
    assert NO_SESSIONS in html
    tables = read_zip(render(db, seeded, "csv", period=period))
    assert tables["sessions.csv"] == [] and tables["reps.csv"] == []


# -- HTML ---------------------------------------------------------------------------------------


def test_html_holds_the_same_figures_offline(db: Database, seeded: Seeded) -> None:
    page = render(db, seeded, "html", therapist_note=NOTE).decode("utf-8")
    words = squash(re.sub(r"<[^>]+>", " ", page))
    for figure in expected_figures(expected(db, seeded)):
        assert squash(figure) in words, figure
    assert PATIENT_NAME in page
    assert "Genou raide le matin" in page  # the patient's comment (not pseudonymised)
    assert page.count("Plotly.newPlot") >= 4  # adherence, ROM, volume x2, pain
    assert not re.search(r"<script[^>]+src=", page)  # plotly.js inlined: works offline
    body = page.split("</head>", 1)[1]  # (plotly.js's own code mentions plotly.com)
    assert not re.search(r"""(src|href)=["']?https?:""", body)  # nothing fetched from a CDN
    assert "plotly.js v" in page[:20_000]  # the library itself, in the page's head


def test_html_escapes_the_note(db: Database, seeded: Seeded) -> None:
    page = render(db, seeded, "html", therapist_note="<script>alert(1)</script>").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


# -- CSV ----------------------------------------------------------------------------------------


def read_zip(payload: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_csv_round_trips_into_the_same_totals(db: Database, seeded: Seeded) -> None:
    tables = read_zip(render(db, seeded, "csv"))
    data = expected(db, seeded)
    reps, sessions = tables["reps.csv"], tables["sessions.csv"]
    complete = [r for r in reps if r["complete"] == "true"]
    assert len(complete) == sum(s.complete_reps for s in data.sessions) == 100
    assert len(reps) - len(complete) == sum(s.partial_reps for s in data.sessions)
    assert sum(int(s["complete_reps"]) for s in sessions) == len(complete)
    assert [int(s["session_id"]) for s in sessions] == [s.session_id for s in data.sessions]
    roms: dict[tuple[int, str], list[float]] = defaultdict(list)
    for rep in complete:
        roms[(int(rep["session_id"]), rep["side"])].append(float(rep["rom_deg"]))
    for point in data.rom:
        values = roms[(point.session_id, point.side.value)]
        assert sum(values) / len(values) == pytest.approx(point.mean_rom_deg, abs=1e-9)
    held = sum(float(h["held_s"]) for h in tables["holds.csv"])
    assert held == pytest.approx(sum(v.hold_s_done for v in data.volume))
    issues = sum(len(r["form_issues"].split(";")) for r in reps if r["form_issues"])
    assert issues == sum(f.count for f in data.form_issues)
    weeks = tables["weeks.csv"]
    assert sum(int(w["sessions_done"]) for w in weeks) == sum(
        w.sessions_done for w in data.adherence
    )


def test_csv_columns_carry_units(db: Database, seeded: Seeded) -> None:
    tables = read_zip(render(db, seeded, "csv"))
    header = set(tables["reps.csv"][0])
    for column in ("rom_deg", "peak_angle_deg", "concentric_s", "duration_s", "confidence_0_1"):
        assert column in header
    assert {"pain_before_0_10", "effort_rpe_0_10", "started_at_utc"} <= set(
        tables["sessions.csv"][0]
    )
    assert math.isfinite(float(tables["reps.csv"][0]["rom_deg"]))


# -- privacy, access, bad input --------------------------------------------------------------


def test_pseudonymised_reports_hold_no_name_or_comment(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    label = pseudonym(seeded.patient_id)
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(render(db, seeded, "pdf", pseudonymise=True))
    html = render(db, seeded, "html", pseudonymise=True).decode()
    with zipfile.ZipFile(io.BytesIO(render(db, seeded, "csv", pseudonymise=True))) as z:
        csv_text = "".join(z.read(n).decode() for n in z.namelist())
    for content in (pdf_text(pdf), html, csv_text):
        assert PATIENT_NAME not in content
        assert "Genou raide" not in content
        assert label in content
    name = report_filename(seeded.patient_id, *PERIOD, "pdf", pseudonymise=True)
    assert name == f"report-{label}-{FIRST_DAY}_{LAST_DAY}.pdf"


def test_other_therapist_refused_unknown_patient_not_found(db: Database, seeded: Seeded) -> None:
    with db.transaction() as tx, pytest.raises(AccessDenied, match="among yours"):
        render_report(tx, seeded.clinic.ther_b, seeded.patient_id, *PERIOD, "pdf")
    with db.transaction() as tx, pytest.raises(NotFound, match="no patient #9999"):
        render_report(tx, seeded.clinic.admin, 9999, *PERIOD, "html")


def test_bad_period_and_format(db: Database, seeded: Seeded) -> None:
    with pytest.raises(InputError, match="after it ends"):
        period_for_days(LAST_DAY, FIRST_DAY)
    since, until = PERIOD
    with db.transaction() as tx, pytest.raises(InputError, match="after it ends"):
        render_report(tx, seeded.clinic.admin, seeded.patient_id, until, since, "pdf")
    with db.transaction() as tx, pytest.raises(InputError, match="unknown report format"):
        render_report(tx, seeded.clinic.admin, seeded.patient_id, since, until, "docx")


def test_poppler_is_installed() -> None:
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "apt install poppler-utils"


# -- make_report: reads in a short transaction, lays out after the commit --------------------


def _write_lock_free(db: Database) -> bool:
    """Can another connection take SQLite's write lock right now (no waiting)?"""
    connection = sql_engine(db).raw_connection()
    try:
        connection.execute("PRAGMA busy_timeout = 0")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def test_make_report_renders_after_its_transaction_ended(
    db: Database, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.backend != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    seen: list[bool] = []

    def fake_layout(report: object) -> bytes:
        seen.append(_write_lock_free(db))
        return b"laid out"

    monkeypatch.setattr(render_module, "_renderer", lambda kind: fake_layout)
    actor, patient = seeded.clinic.ther_a, seeded.patient_id
    assert make_report(db, actor, patient, *PERIOD, "pdf") == b"laid out"
    with db.transaction() as tx:  # the old way: layout inside the caller's transaction
        render_report(tx, actor, patient, *PERIOD, "pdf")
    assert seen == [True, False]
    with sql_session(db) as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.resource == "report")).all()
    assert [a.patient_id for a in audits] == [patient, patient]  # both reads were recorded


def test_make_report_reads_without_the_write_lock(
    db: Database, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report reads a read-only snapshot: a live session's rep write never waits behind it
    (the dashboard's download buttons and the CLI both go through make_report)."""
    if db.backend != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    real_build, free_while_reading = render_module.build, []

    def build_and_look(*args: object, **kwargs: object) -> object:
        report = real_build(*args, **kwargs)  # type: ignore[arg-type]
        free_while_reading.append(_write_lock_free(db))
        return report

    monkeypatch.setattr(render_module, "build", build_and_look)
    assert make_report(db, seeded.clinic.ther_a, seeded.patient_id, *PERIOD, "html")
    assert free_while_reading == [True]
