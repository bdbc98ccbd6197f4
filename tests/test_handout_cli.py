"""`rehab handout --patient ID -o handout.pdf` run as a user runs it (a real subprocess): the
printed program through the store as the acting user, in the patient's language, with the
therapist's words to the patient and never the clinic's; one-line errors and exit 2."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rehab.core.exercise import localized
from rehab.exercise_library import load_library
from rehab.store import Database, set_patient_language
from rehab.store.testing import full_url
from tests.patient_seed import CLINICAL, ITEM_NOTE, RECORD_NOTE, TO_PATIENT, seed_patient_side
from tests.test_reports_cli import assert_user_error, rehab

pytest_plugins = ["rehab.store.pytest_plugin"]
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture
def url(db: Database) -> str:
    seed_patient_side(db)
    return full_url(db)


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return " ".join(out.split())


def test_the_handout_as_the_patients_therapist(url: str, tmp_path: Path) -> None:
    out = tmp_path / "handout.pdf"
    result = rehab("handout", "--url", url, "--patient", "1", "-o", out, "--as", "ther_a")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}")
    text = _text(out)
    expected = [
        "Home exercise program", "For Patient 0", "Your therapist: Therapist A", "Knee program",
        TO_PATIENT, ITEM_NOTE, "1. Seated knee extension", "3 sets of 10 repetitions",
        "2. Wall sit", "hold 20 seconds each",
    ]  # fmt: skip
    for words in expected:
        assert words in text, words
    assert "CLINIC-ONLY" not in text and CLINICAL not in text and RECORD_NOTE not in text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".handout")]  # no temp file


def test_in_the_patients_language_unless_told_otherwise(
    db: Database, url: str, tmp_path: Path
) -> None:
    with db.transaction() as tx:
        set_patient_language(tx, _admin(db), 1, "es")
    spanish, english = tmp_path / "es.pdf", tmp_path / "en.pdf"
    assert rehab("handout", "--url", url, "--patient", "1", "-o", spanish).returncode == 0
    knee = localized(load_library().get("knee_extension"), "es")
    assert "Programa de ejercicios en casa" in _text(spanish) and knee.name in _text(spanish)
    result = rehab("handout", "--url", url, "--patient", "1", "-o", english, "--language", "en")
    assert result.returncode == 0 and "Home exercise program" in _text(english)


def _admin(db: Database):  # type: ignore[no-untyped-def]
    from rehab.store import first_admin

    with db.transaction() as tx:
        return first_admin(tx)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        # main's refusal: another's patient is said alike to a missing one
        (("--patient", "3", "--as", "ther_a"), ("no patient #3 among yours",)),
        (("--patient", "1", "--as", "pat1"), ("no patient #1 among yours",)),
        (("--patient", "99"), ("no patient #99",)),
        (("--patient", "1", "--as", "nobody"), ("--as nobody: no such user",)),
    ],
)
def test_refusals_are_one_line_and_exit_2(
    url: str, tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    out = tmp_path / "handout.pdf"
    assert_user_error(rehab("handout", "--url", url, "-o", out, *args), *fragments)
    assert not out.exists()


def test_bad_outputs_are_refused_before_any_work(url: str, tmp_path: Path) -> None:
    base = ("handout", "--url", url, "--patient", "1")
    assert_user_error(rehab(*base, "-o", tmp_path / "x.txt"), "ending in .pdf")
    assert_user_error(rehab(*base, "-o", tmp_path / "missing" / "x.pdf"), "does not exist")
    folder = tmp_path / "folder.pdf"
    folder.mkdir()
    assert_user_error(rehab(*base, "-o", folder), "is a folder")


def test_a_patient_without_a_current_program_gets_no_handout(
    db: Database, url: str, tmp_path: Path
) -> None:
    from rehab.store import end_program
    from rehab.store.queries import patient_detail

    admin = _admin(db)
    with db.transaction() as tx:
        (program,) = patient_detail(tx, admin, 2).programs
        end_program(tx, admin, program.prescription_id, program.start_date)
    out = tmp_path / "handout.pdf"
    result = rehab("handout", "--url", url, "--patient", "2", "-o", out)
    assert_user_error(result, "patient #2 has no current program to print")
    assert not out.exists()
