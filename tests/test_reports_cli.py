"""`rehab report` run as a user runs it (a real subprocess) on a seeded database."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from rehab.store import Database
from rehab.store.testing import full_url
from tests.cli_helpers import assert_user_error, rehab
from tests.report_helpers import FIRST_DAY, LAST_DAY, PATIENT_NAME, Seeded, pdf_text, seed_history

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed_history(db)


@pytest.fixture
def url(db: Database) -> str:
    return full_url(db)


def report(url: str, patient: int, *extra: str | Path) -> subprocess.CompletedProcess[str]:
    return rehab("report", "--url", url, "--patient", str(patient), *extra)


def test_pdf_as_the_therapist_with_a_note(url: str, seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    period = ("--from", str(FIRST_DAY), "--to", str(LAST_DAY))
    result = report(
        url, seeded.patient_id, *period, "-o", out, "--as", "ther_a", "--note", "Bravo!"
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    words = pdf_text(out)
    assert PATIENT_NAME in words and "Bravo!" in words
    assert "10 of 12 due" in words
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed


def test_csv_zip_format_from_the_file_name(url: str, seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "tables.zip"
    period = ("--from", str(FIRST_DAY), "--to", str(LAST_DAY))
    result = report(url, seeded.patient_id, *period, "-o", out, "--pseudonymise")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        assert {"reps.csv", "sessions.csv", "holds.csv"} <= set(archive.namelist())
        assert PATIENT_NAME not in archive.read("README.txt").decode()


def test_unknown_patient(url: str, seeded: Seeded, tmp_path: Path) -> None:
    assert_user_error(report(url, 999, "-o", tmp_path / "r.pdf"), "no patient #999")


def test_other_therapists_patient(url: str, seeded: Seeded, tmp_path: Path) -> None:
    result = report(url, seeded.patient_id, "-o", tmp_path / "r.html", "--as", "ther_b")
    assert_user_error(result, "no patient #1 among yours")  # as for a missing patient


def test_from_after_to(url: str, seeded: Seeded, tmp_path: Path) -> None:
    result = report(
        url,
        seeded.patient_id,
        "--from",
        "2026-03-01",
        "--to",
        "2026-02-01",
        "-o",
        tmp_path / "r.pdf",
    )
    assert_user_error(result, "--from 2026-03-01 is after --to 2026-02-01")
    assert not (tmp_path / "r.pdf").exists()


def test_unwritable_paths(url: str, seeded: Seeded, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "r.pdf"
    assert_user_error(report(url, seeded.patient_id, "-o", missing), "does not exist")
    # /proc refuses new files even to root (a chmod'ed folder would not stop root)
    assert_user_error(report(url, seeded.patient_id, "-o", "/proc/r.pdf"), "/proc/r.pdf")
