"""An uploaded video is a session of its recording (issue 13, item 3): dated by the video's
creation time (or the date the user states), as long as the video, and linked to the
program only when its exercise is in the program of that day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import av
import numpy as np
import pytest

from rehab.core.analysis import analyze_stream_detailed
from rehab.core.results import Side
from rehab.core.synthetic import synthetic_stream
from rehab.dashboard.media import VideoAnalysis, save_session
from rehab.exercise_library import load_library
from rehab.pose.sources import VideoFile, parse_creation_time
from rehab.store import Database, queries
from rehab.store.testing import T0, Clinic

pytest_plugins = ["rehab.store.pytest_plugin"]

RECORDED = dt.datetime(2026, 3, 4, 8, 15, 30, tzinfo=dt.UTC)


def write_video(path: Path, creation_time: str | None, seconds: float = 2.0) -> Path:
    """A small MP4 (grey frames) with a creation_time tag, as a phone writes it."""
    with av.open(str(path), "w") as container:
        if creation_time is not None:
            container.metadata["creation_time"] = creation_time
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(int(seconds * 10)):
            image = np.full((48, 64, 3), 20 + n, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_the_recording_time_is_read_from_the_container(tmp_path: Path) -> None:
    tagged = write_video(tmp_path / "tagged.mp4", "2026-03-04T08:15:30.000000Z")
    plain = write_video(tmp_path / "plain.mp4", None)
    with VideoFile(tagged) as video:
        assert video.recorded_at == RECORDED
        assert video.duration_s == pytest.approx(2.0, abs=0.2)
    with VideoFile(plain) as video:
        assert video.recorded_at is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-04T08:15:30.000000Z", RECORDED),
        ("2026-03-04 09:15:30+01:00", RECORDED),
        ("1970-01-01T00:00:00.000000Z", None),  # a camera without a clock
        ("yesterday", None),
        ("", None),
    ],
)
def test_creation_time_tags(text: str, expected: dt.datetime | None) -> None:
    assert parse_creation_time(text) == expected


def analysis_of(exercise_id: str, recorded_at: dt.datetime | None) -> VideoAnalysis:
    exercise = load_library().get(exercise_id)
    stream = synthetic_stream(exercise, n_reps=3, side=Side.LEFT, seed=3)
    detailed = analyze_stream_detailed(stream, exercise, Side.LEFT)
    return VideoAnalysis(
        "clip.mp4", exercise_id, Side.LEFT, detailed, stream, b"", recorded_at, duration_s=37.5
    )


def test_an_upload_is_dated_by_its_recording_and_lasts_as_long(
    db: Database, clinic: Clinic
) -> None:
    pid = clinic.patients[0]
    sid, _ = save_session(db, clinic.ther_a, pid, analysis_of("knee_extension", RECORDED))
    with db.transaction() as tx:
        (summary,) = queries.list_sessions(tx, clinic.ther_a, pid)
        (week,) = queries.weekly_adherence(tx, clinic.ther_a, pid, T0, T0 + dt.timedelta(days=7))
        detail = queries.session_detail(tx, clinic.ther_a, sid)
    assert summary.started_at == RECORDED and summary.source == "upload"
    assert summary.ended_at is not None
    assert (summary.ended_at - summary.started_at).total_seconds() == pytest.approx(37.5)
    assert detail.sets[0].prescription_item_id is not None  # the program's knee extension
    assert week.prescribed_done == 1 and dict(week.by_source) == {"upload": 1}


def test_an_upload_of_another_exercise_is_shown_but_not_a_program_session(
    db: Database, clinic: Clinic
) -> None:
    pid = clinic.patients[0]
    stated = RECORDED + dt.timedelta(days=1)
    save_session(db, clinic.ther_a, pid, analysis_of("squat", None), stated)
    with db.transaction() as tx:
        (summary,) = queries.list_sessions(tx, clinic.ther_a, pid)
        (week,) = queries.weekly_adherence(tx, clinic.ther_a, pid, T0, T0 + dt.timedelta(days=7))
    assert summary.started_at == stated  # the date the user gave: the file had none
    assert week.sessions_done == 1 and week.prescribed_done == 0
