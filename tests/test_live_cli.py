"""`rehab live`: the desktop fallback, run headless with a real clip as the camera."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from rehab.cli import main
from rehab.store.models import ExerciseSession, Rep
from rehab.store.testing import sql_session
from tests.conftest import Clip
from tests.test_live_browser import PASSWORD, make_home

pytestmark = [pytest.mark.video, pytest.mark.slow]


def test_live_cli_saves_the_counted_reps(
    tmp_path: Path,
    clips: list[Clip],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clip = next(c for c in clips if c.name == "biceps_curl__standing_front.mp4")
    home = make_home(tmp_path, clip.exercise, reps=10)
    monkeypatch.setenv("REHAB_DATABASE_URL", home.url)
    monkeypatch.setenv("REHAB_PASSWORD", PASSWORD)
    argv = ["live", "--exercise", clip.exercise, "--camera", str(clip.path), "--no-window"]
    assert main([*argv, "--patient", home.username]) == 0
    out = capsys.readouterr().out
    with sql_session(home.db) as s:
        status = s.scalar(select(ExerciseSession.status))
        reps = s.scalar(select(func.count(Rep.id)).where(Rep.complete.is_(True)))
    home.db.dispose()
    assert reps in clip.accepted_counts()
    assert status == "interrupted"  # the "camera" (the file) ran out before the 10 reps
    assert f"biceps_curl set 1: {reps} reps" in out and "(interrupted)" in out


def test_live_cli_refuses_an_unknown_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-v", "live", "--exercise", "moonwalk", "--no-window"]) == 2
    assert "moonwalk" in capsys.readouterr().err
