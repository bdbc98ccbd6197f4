"""Landmark extraction speed: our pipeline vs a naive loop, on the shared clips, in one run.

The naive loop is what most tutorials write: cv2.VideoCapture decode, BGR->RGB, then
`mp.solutions.pose.Pose.process` per frame, all on one thread. Ours decodes with PyAV on a
prefetch thread (overlapping decode with inference) and feeds BlazePose the same frames.
Runs alternate (naive, ours, naive, ours...) per clip so machine noise hits both alike.

    REHAB_BENCH_CLIPS=all python -m benchmarks pose    # every clip (default: four of them)
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.table import print_table

CLIPS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "videos"
DEFAULT_CLIPS = (
    "shoulder_abduction__seated_front.mp4",  # 1920x1080
    "push_up__side.mp4",  # 1280x720
    "squat__bodyweight_oblique.mp4",  # 960x544
    "biceps_curl__standing_front.mp4",  # 464x848
)


def naive_loop(path: Path) -> int:
    import cv2
    import mediapipe as mp

    capture = cv2.VideoCapture(str(path))
    frames = 0
    with mp.solutions.pose.Pose(model_complexity=1) as pose:
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            frames += 1
    capture.release()
    return frames


def our_pipeline(path: Path) -> int:
    from rehab.pose.pipeline import extract_stream

    return len(extract_stream(path))


def _timed(run: object, path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    frames = run(path)  # type: ignore[operator]
    return frames, time.perf_counter() - started


def _clips() -> list[Path]:
    if os.environ.get("REHAB_BENCH_CLIPS") == "all":
        return sorted(CLIPS_DIR.glob("*.mp4"))
    return [CLIPS_DIR / name for name in DEFAULT_CLIPS]


def main() -> None:
    clips = [c for c in _clips() if c.is_file()]
    if not clips:
        print(f"no clips under {CLIPS_DIR}: skipped")
        return
    rows = []
    total = {"naive": [0, 0.0], "ours": [0, 0.0]}
    for clip in clips:
        n_naive, s_naive = _timed(naive_loop, clip)
        n_ours, s_ours = _timed(our_pipeline, clip)
        total["naive"][0] += n_naive
        total["naive"][1] += s_naive
        total["ours"][0] += n_ours
        total["ours"][1] += s_ours
        fps_naive, fps_ours = n_naive / s_naive, n_ours / s_ours
        rows.append([clip.name, n_ours, fps_naive, fps_ours, fps_ours / fps_naive])
    fps_naive = total["naive"][0] / total["naive"][1]
    fps_ours = total["ours"][0] / total["ours"][1]
    rows.append(["ALL", total["ours"][0], fps_naive, fps_ours, fps_ours / fps_naive])
    print_table(["clip", "frames", "naive fps", "ours fps", "ratio ours/naive"], rows)
