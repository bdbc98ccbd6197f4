"""Outcome measures (issue 13, item 11): the questionnaire engine (YAML definitions with
file/line errors, scoring, bands, MCID), the bundled instruments, assigning one at an
interval, the patient filling it in, the trend on the progress page and in the reports."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from rehab.core.questionnaire import Change, read_change
from rehab.dashboard.state import PATIENT_KEY
from rehab.questionnaires import (
    DEFAULT_DIR,
    QuestionnaireFileError,
    load_questionnaires,
    parse_questionnaire_text,
)
from rehab.reports import make_report
from rehab.store import Database, assign_questionnaire, assignments, outcome_scores, record_outcome
from rehab.store.testing import Clinic
from tests.clinical_seed import live_session, now_utc
from tests.dashboard_seed import no_exception, open_page, signed_in, texts, use_database

pytest_plugins = ["rehab.store.pytest_plugin"]

LIBRARY = load_questionnaires()
LEFS, PSFS, NPRS = (LIBRARY.get(q) for q in ("lefs", "psfs", "nprs"))
DAY = dt.timedelta(days=1)


# -- the engine and the bundled instruments ---------------------------------------------------


def test_the_bundled_questionnaires_load_with_their_licence() -> None:
    assert not LIBRARY.problems
    assert set(LIBRARY.questionnaires) == {"lefs", "psfs", "nprs"}
    for q in LIBRARY.questionnaires.values():
        assert q.licence.strip() and q.citation.strip() and q.mcid.points > 0
    docs = (Path(DEFAULT_DIR).parent / "docs" / "outcomes.md").read_text(encoding="utf-8")
    for q in LIBRARY.questionnaires.values():
        assert q.short_name in docs  # every instrument's licence is stated in the docs


def test_scoring_rules() -> None:
    assert LEFS.score({i.id: 4 for i in LEFS.items}) == 80
    assert LEFS.score({i.id: 3 for i in LEFS.items[:16]}) == 60  # 4 missing: prorated
    assert LEFS.score({i.id: 3 for i in LEFS.items[:15]}) is None  # 5 missing: no score
    assert PSFS.score({"activity_1": 3, "activity_2": 6, "activity_3": None}) == 4.5
    assert NPRS.score({"pain_now": 7}) == 7 and NPRS.band(7) == "severe"
    with pytest.raises(ValueError, match="outside 0-4"):
        LEFS.score({"squatting": 5})
    with pytest.raises(ValueError, match="unknown items"):
        NPRS.score({"pain_yesterday": 3})


@pytest.mark.parametrize(
    ("first", "latest", "expected"),
    [(40, 49, Change.IMPROVED), (40, 47, Change.NO_IMPORTANT_CHANGE), (40, 31, Change.WORSE)],
)
def test_a_change_reads_against_the_mcid(first: float, latest: float, expected: Change) -> None:
    assert read_change(LEFS, first, latest).verdict is expected


def test_lower_is_better_reads_the_other_way() -> None:
    assert read_change(NPRS, 7, 4).verdict is Change.IMPROVED
    assert read_change(NPRS, 3, 5).verdict is Change.WORSE


def test_a_broken_definition_names_file_line_and_field() -> None:
    text = (Path(DEFAULT_DIR) / "nprs.yaml").read_text(encoding="utf-8")
    bad = text.replace("  method: sum\n", "  method: median\n")
    with pytest.raises(QuestionnaireFileError) as found:
        parse_questionnaire_text(bad, Path("nprs.yaml"))
    line = next(n for n, row in enumerate(bad.splitlines(), 1) if "median" in row)
    assert re.match(rf"nprs\.yaml line {line}: scoring\.method: ", str(found.value))
    extra = text.replace("scoring:\n", "scoring:\n  weight: 2\n")
    with pytest.raises(QuestionnaireFileError, match=r"scoring\.weight: unknown field"):
        parse_questionnaire_text(extra, Path("nprs.yaml"))


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    for name in ("lefs", "nprs"):
        (tmp_path / f"{name}.yaml").write_text(
            (Path(DEFAULT_DIR) / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "broken.yaml").write_text("schema_version: 1\nid: broken\n", encoding="utf-8")
    found = load_questionnaires(tmp_path)
    assert set(found.questionnaires) == {"lefs", "nprs"}
    assert len(found.problems) == 1 and found.problems[0].startswith("broken.yaml")


# -- assigned, filled in, followed ------------------------------------------------------------


def test_an_assignment_is_due_then_every_n_days(db: Database, clinic: Clinic) -> None:
    pid = clinic.patients[0]
    start = dt.date(2026, 3, 2)
    with db.transaction() as tx:
        aid = assign_questionnaire(tx, clinic.ther_a, pid, LEFS, 14, start)
    at = dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)
    with db.transaction() as tx:
        (due,) = assignments(tx, clinic.ther_a, pid, now=at)
        assert due.due_on(at.date())
        record_outcome(tx, clinic.pat_users[0], pid, LEFS, {i.id: 2 for i in LEFS.items},
                       assignment_id=aid, completed_at=at)  # fmt: skip
    with db.transaction() as tx:
        (after,) = assignments(tx, clinic.ther_a, pid, now=at + DAY)
        scores = outcome_scores(tx, clinic.ther_a, pid)
    assert after.next_due == at.date() + 14 * DAY and not after.due_on(at.date() + DAY)
    assert [s.score for s in scores] == [40.0]


def test_psfs_keeps_the_patients_own_activities(db: Database, clinic: Clinic) -> None:
    pid = clinic.patients[0]
    with db.transaction() as tx:
        aid = assign_questionnaire(
            tx, clinic.ther_a, pid, PSFS, 7, dt.date(2026, 3, 2),
            ["climbing stairs", "kneeling in the garden"],
        )  # fmt: skip
        record_outcome(tx, clinic.pat_users[0], pid, PSFS,
                       {"activity_1": 3, "activity_2": 5}, assignment_id=aid)  # fmt: skip
        (assignment,) = assignments(tx, clinic.ther_a, pid)
    assert assignment.labels == ("climbing stairs", "kneeling in the garden")


def test_the_patient_fills_in_a_due_questionnaire_and_the_therapist_sees_the_trend(
    db: Database, clinic: Clinic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_database(monkeypatch, db)
    pid, who = clinic.patients[0], clinic.pat_users[0]
    today = now_utc().date()
    with db.transaction() as tx:
        assign_questionnaire(tx, clinic.ther_a, pid, NPRS, 7, today - 21 * DAY)
        record_outcome(tx, who, pid, NPRS, {"pain_now": 7},
                       completed_at=now_utc() - 14 * DAY)  # fmt: skip
    live_session(db, who, pid, now_utc() - 2 * DAY, [70.0])
    patient = signed_in(who, "Patient 0", pid)
    at = open_page(patient, "questionnaires")
    no_exception(at)
    answer = next(r.key for r in at.radio if r.key and r.key.endswith("_pain_now"))
    at.radio(key=answer).set_value(3)
    at.button(key=next(b.key for b in at.button if b.key and b.key.endswith("_submit"))).click()
    at.run()
    no_exception(at)
    assert any("answers are saved" in t for t in texts(at, "success"))
    with db.transaction() as tx:
        assert [s.score for s in outcome_scores(tx, clinic.ther_a, pid)] == [7.0, 3.0]
    page = open_page(signed_in(clinic.ther_a, "Therapist A"), "progress",
                     state={PATIENT_KEY: pid})  # fmt: skip
    no_exception(page)
    lines = " ".join(texts(page, "markdown"))
    assert "Numeric Pain Rating Scale" in lines and "improved, MCID 2" in lines
    since = dt.datetime.combine(today - 30 * DAY, dt.time(), dt.UTC)
    until = dt.datetime.combine(today + DAY, dt.time(), dt.UTC)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(make_report(db, clinic.ther_a, pid, since, until, "pdf"))
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout  # fmt: skip
    assert "Outcome measures" in words and "Numeric Pain Rating Scale (NPRS)" in words
    assert re.search(r"improved \(mild\)", words)


@pytest.mark.parametrize(
    "text",
    [
        "id: x\nitems: " + "[" * 100_000,
        "a: &a [x, x]\n" + "".join(f"b{i}: *a\n" for i in range(5000)),
    ],
    ids=["deeply nested", "many aliases"],
)
def test_a_questionnaire_file_gets_the_exercise_files_limits(text: str) -> None:
    """A clinic's questionnaire folder is read like its exercise folder: hostile YAML is one
    clear refusal, never a RecursionError or an alias bomb."""
    with pytest.raises(QuestionnaireFileError, match=r"bad\.yaml"):
        parse_questionnaire_text(text, Path("bad.yaml"))
