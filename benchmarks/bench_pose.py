"""Pose speed on the shared clips, measured in one run (the machine is shared: compare ratios).

1. Models: frames per second of BlazePose lite, full and heavy (Tasks API, video mode, one
   tracked pose) on the same decoded frames, one thread; the configurations alternate
   (forward, then backward) and each keeps its better pass, so load noise hits all alike.
2. Extraction: our `rehab landmarks` pipeline (PyAV decoding on a prefetch thread, the video
   split between two tracking threads) against the loop most tutorials write (OpenCV
   decode, BGR->RGB, detect, one thread), with the same model; they alternate per clip.

    python -m benchmarks pose                              # four clips, full model
    REHAB_BENCH_CLIPS=all python -m benchmarks pose        # every clip
    python -m benchmarks --model heavy pose                # the extraction table with heavy
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.table import print_table

CLIPS_DIR = Path(
    os.environ.get("REHAB_CLIPS_DIR", Path(__file__).resolve().parents[2] / "shared/data/videos")
)
DEFAULT_CLIPS = (
    "shoulder_abduction__seated_front.mp4",  # 1920x1080
    "push_up__side.mp4",  # 1280x720
    "squat__bodyweight_oblique.mp4",  # 960x544
    "biceps_curl__standing_front.mp4",  # 464x848
)
MODELS = ("lite", "full", "heavy")
FRAMES_PER_CLIP = 90
Frames = list[tuple[np.ndarray, float]]


def _model() -> str:
    return os.environ.get("REHAB_BENCH_MODEL", "full")


def decoded(path: Path, limit: int) -> Frames:
    from rehab.pose.sources import VideoFile

    frames: Frames = []
    with VideoFile(path) as video:
        for frame in video:
            frames.append((np.ascontiguousarray(frame.rgb), frame.t_ms))
            if len(frames) == limit:
                break
    return frames


def pose_seconds(model: str, frames: Frames) -> float:
    """Seconds to track `frames` with `model` (estimator made beforehand, not timed)."""
    from rehab.pose.backends import create_estimator
    from rehab.pose.options import PoseOptions

    with create_estimator(PoseOptions(model=model)) as estimator:
        estimator.estimate(*frames[0])  # the first frame runs the detector: warm-up
        started = time.perf_counter()
        for rgb, t_ms in frames[1:]:
            estimator.estimate(rgb, t_ms)
        return time.perf_counter() - started


def model_table(clips: list[Path]) -> None:
    rows, totals = [], dict.fromkeys(MODELS, 0.0)
    frames_total = 0
    for clip in clips:
        frames = decoded(clip, FRAMES_PER_CLIP)
        best = dict.fromkeys(MODELS, float("inf"))
        for order in (MODELS, MODELS[::-1]):
            for model in order:
                best[model] = min(best[model], pose_seconds(model, frames))
        n = len(frames) - 1
        frames_total += n
        for model in MODELS:
            totals[model] += best[model]
        rows.append([clip.name, n, *(n / best[m] for m in MODELS), best["heavy"] / best["full"]])
    rows.append(
        ["ALL", frames_total, *(frames_total / totals[m] for m in MODELS),
         totals["heavy"] / totals["full"]]
    )  # fmt: skip
    print("pose frames/s per model (one thread, same frames, video mode, one tracked pose)")
    print_table(["clip", "frames", "lite fps", "full fps", "heavy fps", "heavy/full time"], rows)


def naive_loop(path: Path) -> int:
    """What tutorials write: OpenCV decode, BGR->RGB, detect, all on one thread."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from rehab.pose.models import resolve_model

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model(_model()).path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    landmarker = vision.PoseLandmarker.create_from_options(options)
    capture = cv2.VideoCapture(str(path))
    frames = 0
    with landmarker:
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            landmarker.detect_for_video(image, round(frames * 1000 / 30))
            frames += 1
    capture.release()
    return frames


def our_pipeline(path: Path) -> int:
    from rehab.pose.options import PoseOptions
    from rehab.pose.pipeline import extract_stream

    return len(extract_stream(path, PoseOptions(model=_model())))


def _timed(run: Callable[[Path], int], path: Path) -> tuple[int, float, float]:
    """(frames, wall seconds, CPU seconds of this process)."""
    started, cpu = time.perf_counter(), time.process_time()
    frames = run(path)
    return frames, time.perf_counter() - started, time.process_time() - cpu


def extraction_table(clips: list[Path]) -> None:
    rows = []
    total = {"naive": [0, 0.0, 0.0], "ours": [0, 0.0, 0.0]}
    for clip in clips:
        results = {"naive": _timed(naive_loop, clip), "ours": _timed(our_pipeline, clip)}
        for name, (n, wall, cpu) in results.items():
            total[name][0] += n
            total[name][1] += wall
            total[name][2] += cpu
        (n_naive, s_naive, _), (n_ours, s_ours, _) = results["naive"], results["ours"]
        rows.append([clip.name, n_ours, n_naive / s_naive, n_ours / s_ours,
                     (n_ours / s_ours) / (n_naive / s_naive)])  # fmt: skip
    fps = {name: n / wall for name, (n, wall, _cpu) in total.items()}
    rows.append(["ALL", total["ours"][0], fps["naive"], fps["ours"], fps["ours"] / fps["naive"]])
    cores = {name: cpu / wall for name, (_n, wall, cpu) in total.items()}
    print(f"\nextraction, model {_model()}: ours vs the naive loop (goal: ratio 1.8 on 2 cores)")
    print_table(["clip", "frames", "naive fps", "ours fps", "ratio ours/naive"], rows)
    print(f"cores busy on average: naive {cores['naive']:.2f}, ours {cores['ours']:.2f} "
          f"(of {os.cpu_count()}); load average {os.getloadavg()[0]:.1f}")  # fmt: skip


def _clips() -> list[Path]:
    if os.environ.get("REHAB_BENCH_CLIPS") == "all":
        return sorted(CLIPS_DIR.glob("*.mp4"))
    return [CLIPS_DIR / name for name in DEFAULT_CLIPS]


def main() -> None:
    clips = [c for c in _clips() if c.is_file()]
    if not clips:
        print(f"no clips under {CLIPS_DIR}: skipped")
        return
    model_table(clips)
    extraction_table(clips)
