"""The pure parts of the reports: the model's figures from hand-made query results, the CLI's
date and format rules, the font."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from rehab.core.results import Side
from rehab.errors import InputError
from rehab.reports.commands import infer_format, report_days
from rehab.reports.data import ReportInputs
from rehab.reports.model import build_report, pseudonym
from rehab.reports.pdf import dejavu_paths
from rehab.reports.tables import cell
from rehab.reports.text import volume_line
from rehab.store.queries import (
    FormIssueCount,
    PatientDetail,
    Program,
    ProgramItem,
    ReportData,
    RomPoint,
    VolumePoint,
)

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
ITEM = ProgramItem(7, "knee_extension", 3, 10, None, 80.0, Side.BOTH, "")
PROGRAM = Program(3, "Knee", 3, T0.date(), None, "", (ITEM,))


def rom(n: int, side: Side, mean: float) -> RomPoint:
    at = T0 + n * DAY
    return RomPoint(n, at, "knee_extension", side, 5, mean, mean + 4, 0, 90, 170, 0.9, 80.0)


def volume(n: int) -> VolumePoint:
    return VolumePoint(n, T0 + n * DAY, "knee_extension", 1, 8, 1, 0.0, 3, 30, None)


def issue(n: int, count: int) -> FormIssueCount:
    return FormIssueCount(n, T0 + n * DAY, "knee_extension", "trunk_lean", "warning", "Back", count)


def inputs(roms: list[RomPoint], issues: list[FormIssueCount]) -> ReportInputs:
    patient = PatientDetail(1, 2, "Zoë", "knee", Side.LEFT, "", 3, "Dr A", False, False, (PROGRAM,))
    data = ReportData(
        patient, T0, T0 + 28 * DAY, (), tuple(roms), tuple(volume(n) for n in range(4)),
        tuple(issues), (), (), (),
    )  # fmt: skip
    return ReportInputs(data, (), ())


def test_rom_figures_skip_unmeasured_sessions_and_compare_sides() -> None:
    points = [rom(0, Side.LEFT, 60.0), rom(1, Side.LEFT, math.nan), rom(2, Side.LEFT, 78.0)]
    points += [rom(3, Side.LEFT, 70.0), rom(0, Side.RIGHT, 50.0), rom(3, Side.RIGHT, 60.0)]
    report = build_report(inputs(points, []), str, T0)
    (section,) = report.exercises
    left, right = section.rom
    assert (right.side, right.first_deg, right.latest_deg) == (Side.RIGHT, 50, 60)
    assert (left.first_deg, left.best_deg, left.latest_deg, left.change_deg) == (60, 78, 70, 10)
    assert len(left.dates) == 3  # the NaN session (joint never visible) is not a zero
    assert left.sessions_at_target == 1  # best reps 64°, 82°, 74° against 80°
    assert section.asymmetry is not None
    assert section.asymmetry.difference_deg == pytest.approx((60 + 78 + 70) / 3 - 55)
    assert (section.reps_done, section.reps_prescribed) == (32, 120)


def test_form_trend_compares_the_two_halves_of_the_sessions() -> None:
    fading = build_report(inputs([], [issue(0, 3), issue(1, 2), issue(3, 1)]), str, T0)
    (summary,) = fading.exercises[0].form_issues
    assert (summary.count, summary.sessions_with) == (6, 3)
    assert (summary.per_session_first_half, summary.per_session_second_half) == (2.5, 0.5)
    assert summary.trend == "fewer"
    steady = build_report(inputs([], [issue(0, 1), issue(3, 1)]), str, T0)
    assert steady.exercises[0].form_issues[0].trend == "steady"


def test_pseudonym_is_stable_and_hides_the_id() -> None:
    assert pseudonym(12) == pseudonym(12) != pseudonym(13)
    assert pseudonym(12).startswith("P-") and len(pseudonym(12)) == 10
    report = build_report(inputs([], []), str, T0, pseudonymise=True)
    assert report.patient_label == pseudonym(1) and "Zoë" not in report.patient_label


def test_cli_days_default_to_the_last_90_and_refuse_a_reversed_period() -> None:
    today = dt.date(2026, 3, 31)
    assert report_days(None, None, today) == (dt.date(2026, 1, 1), today)
    assert report_days(dt.date(2026, 3, 1), None, today) == (dt.date(2026, 3, 1), today)
    with pytest.raises(InputError, match="--from 2026-04-01 is after --to 2026-03-31"):
        report_days(dt.date(2026, 4, 1), None, today)


def test_cli_format_from_the_file_name() -> None:
    assert infer_format(Path("a.PDF"), None) == "pdf"
    assert infer_format(Path("a.zip"), None) == "csv"
    assert infer_format(Path("a.zip"), "html") == "html"
    with pytest.raises(InputError, match="say --format"):
        infer_format(Path("report.txt"), None)


def test_csv_cells() -> None:
    assert cell(math.nan) == "" and cell(None) == ""
    assert float(cell(0.1 + 0.2)) == 0.1 + 0.2  # exact round trip
    assert cell(True) == "true" and cell(3) == "3"
    assert cell(T0) == "2026-03-02T09:00:00.000000Z"


@pytest.mark.parametrize("style", ["", "B", "I"])
def test_the_pdf_font_has_every_character_the_report_prints(style: str) -> None:
    cmap = TTFont(dejavu_paths()[style]).getBestCmap()
    for char in "°×—→“”·ëÅüøçñ":
        assert ord(char) in cmap, char


def test_an_exercise_done_outside_the_program_says_so() -> None:
    unplanned = VolumePoint(9, T0, "squat", 1, 6, 0, 0.0, None, None, None)
    data = inputs([], []).data
    report = build_report(ReportInputs(replace(data, volume=(unplanned,)), (), ()), str, T0)
    squat = next(s for s in report.exercises if s.exercise_id == "squat")
    assert volume_line(squat) == "Sessions: 1. Reps: 6 (not in a program)."
    knee = next(s for s in report.exercises if s.exercise_id == "knee_extension")
    assert volume_line(knee) == "Sessions: 0. Reps: 0 (not in a program)."
