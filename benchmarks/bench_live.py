"""Per-frame cost of the live webcam callback at 640x480, and what skipping frames costs.

Each clip is letterboxed to 640x480 (a webcam picture) and fed frame by frame to the same
`LiveProcessor` the browser page uses (pose + set-up check + counting + overlay), timing every
call as the webrtc callback would see it, first processing every frame, then every second
frame (the skipped frames only redraw the overlay). Counts: the live flow's (set-up check
first, as a patient would have) and the engine's on the same poses without a set-up check,
against the hand counts in MANIFEST.csv. A last table times the callback's own video-frame
conversions (yuv420p -> RGB -> yuv420p) that come on top.

    python -m benchmarks live                       # four clips
    REHAB_BENCH_CLIPS=all python -m benchmarks live # every clip
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.table import print_table

CLIPS_DIR = Path(
    os.environ.get("REHAB_CLIPS_DIR", Path(__file__).resolve().parents[2] / "shared/data/videos")
)
DEFAULT_CLIPS = (
    "biceps_curl__standing_front.mp4",
    "shoulder_abduction__standing_dumbbell_front.mp4",
    "squat__bodyweight_oblique.mp4",
    "elbow_flexion__seated_front.mp4",
)
WIDTH, HEIGHT = 640, 480
GOAL_P95_MS = 40.0


def letterbox(rgb: np.ndarray) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    scale = min(WIDTH / w, HEIGHT / h)
    nw, nh = int(w * scale) // 2 * 2, int(h * scale) // 2 * 2
    out = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
    x, y = (WIDTH - nw) // 2, (HEIGHT - nh) // 2
    out[y : y + nh, x : x + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


class RecordingEstimator:
    """The real BlazePose, remembering each pose and how long it took (in lists shared by
    the session's estimators: the set-up check's and the counting one)."""

    def __init__(self, options: Any, poses: list[object], pose_ms: list[float]) -> None:
        from rehab.pose.backends import create_estimator

        self.inner = create_estimator(options)
        self.model_name = self.inner.model_name
        self.poses = poses
        self.pose_ms = pose_ms

    def estimate(self, rgb: np.ndarray, t_ms: float):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        pose = self.inner.estimate(rgb, t_ms)
        self.pose_ms.append((time.perf_counter() - started) * 1000.0)
        self.poses.append(pose)
        return pose

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Run:
    frame_ms: list[float]  # every callback (wall clock), skipped frames included
    cpu_ms: list[float]  # the same calls in CPU time of the process (all its threads)
    pose_ms: list[float]
    live_reps: int | None  # None: the set-up check never passed
    engine_reps: int


def _frames(path: Path) -> Iterator[tuple[np.ndarray, float]]:
    from rehab.pose.sources import VideoFile

    for frame in VideoFile(path):
        yield letterbox(frame.rgb), frame.t_ms


def run_clip(path: Path, exercise_id: str, every_nth: int) -> Run:
    from rehab.core.tracker import ExerciseTracker
    from rehab.exercise_library import load_library
    from rehab.live.flow import SessionFlow, expand_sets
    from rehab.live.processor import LiveProcessor
    from rehab.pose.options import PoseOptions

    library = load_library()
    poses: list[object] = []
    pose_ms: list[float] = []

    def factory(options: PoseOptions) -> RecordingEstimator:
        return RecordingEstimator(options, poses, pose_ms)

    flow = SessionFlow(expand_sets(exercise_id, 1), library.get)
    options = PoseOptions.live(os.environ.get("REHAB_BENCH_MODEL"))
    processor = LiveProcessor(
        flow,
        every_nth=every_nth,
        options=options,
        estimator_factory=factory,  # type: ignore[arg-type]
    )
    frame_ms: list[float] = []
    cpu_ms: list[float] = []
    for rgb, t_ms in _frames(path):
        started, cpu = time.perf_counter(), time.process_time()
        processor.process(rgb, t_ms)
        frame_ms.append((time.perf_counter() - started) * 1000.0)
        cpu_ms.append((time.process_time() - cpu) * 1000.0)
    processor.stop()
    processor.close()
    tracker = ExerciseTracker(library.get(exercise_id))
    for pose in poses:
        tracker.update(pose)  # type: ignore[arg-type]
    tracker.finish()
    live = flow.results[0][1].total_reps if flow.results else None
    return Run(frame_ms, cpu_ms, pose_ms, live, tracker.result().total_reps)


def _manifest() -> dict[str, tuple[str, int]]:
    with (CLIPS_DIR / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        return {r["file"]: (r["exercise"], int(r["reps"])) for r in csv.DictReader(handle)}


def _clips() -> list[str]:
    if os.environ.get("REHAB_BENCH_CLIPS") == "all":
        return sorted(_manifest())
    return list(DEFAULT_CLIPS)


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def conversion_ms(repeats: int = 200) -> tuple[float, float]:
    """p50/p95 of the callback's av.VideoFrame <-> RGB conversions at 640x480."""
    import av

    rgb = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    incoming = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    times: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        out = incoming.to_ndarray(format="rgb24")
        av.VideoFrame.from_ndarray(out, format="rgb24")
        times.append((time.perf_counter() - started) * 1000.0)
    return _pct(times, 50), _pct(times, 95)


def _row(name: str, nth: int, hand: int, run: Run) -> list[object]:
    live = "refused" if run.live_reps is None else run.live_reps
    return [
        name.removesuffix(".mp4"),
        nth,
        _pct(run.frame_ms, 50),
        _pct(run.frame_ms, 95),
        _pct(run.cpu_ms, 50),
        _pct(run.cpu_ms, 95),
        _pct(run.pose_ms, 50),
        hand,
        run.engine_reps,
        live,
    ]


def main(runner: Callable[[Path, str, int], Run] = run_clip) -> None:
    if not (CLIPS_DIR / "MANIFEST.csv").is_file():
        print(f"no clips at {CLIPS_DIR}: skipped")
        return
    manifest = _manifest()
    rows: list[list[object]] = []
    totals: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    errors: dict[int, int] = {1: 0, 2: 0}
    for name in _clips():
        exercise_id, hand = manifest[name]
        for nth in (1, 2):
            run = runner(CLIPS_DIR / name, exercise_id, nth)
            totals[nth] += run.frame_ms
            cpu[nth] += run.cpu_ms
            errors[nth] += abs(run.engine_reps - hand)
            rows.append(_row(name, nth, hand, run))
    headers = ["clip", "every", "wall p50", "wall p95", "cpu p50", "cpu p95", "pose p50"]
    print("milliseconds per callback; engine = counted on the same poses without set-up check")
    print_table([*headers, "hand", "engine", "live"], rows)
    print()
    summary = [
        [f"every {n}", _pct(t, 50), _pct(t, 95), _pct(cpu[n], 50), _pct(cpu[n], 95), errors[n]]
        for n, t in totals.items()
    ]
    heads = ["all clips (ms)", "wall p50", "wall p95", "cpu p50", "cpu p95", "sum |count err|"]
    print_table(heads, summary)
    print(f"goal: p95 < {GOAL_P95_MS:.0f} ms; wall includes waiting for a CPU on a busy machine")
    p50, p95 = conversion_ms()
    print()
    print_table(["callback av conversions 640x480", "p50 ms", "p95 ms"], [["in + out", p50, p95]])
