"""Count an exercise in a video: BlazePose over every frame, then the offline analysis.

The one path from a video file to a counted set, for `rehab analyze` and the dashboard's
upload page: the file is checked as a video, its frames are tracked (and, when asked, written
with the skeleton drawn), and the landmark stream is analysed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rehab.core.analysis import StreamAnalysis, analyze_stream_detailed
from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import Side
from rehab.errors import InputError
from rehab.pose.options import PoseOptions
from rehab.pose.pipeline import annotate_video, extract_stream
from rehab.pose.sources import VideoFile, media_kind

# (frames done so far, frames in the video: 0 when the container does not say)
FramesDone = Callable[[int, int], object]


@dataclass(frozen=True)
class AnalysedVideo:
    stream: LandmarkStream
    analysis: StreamAnalysis


def analyse_video(
    source: Path,
    exercise: Exercise,
    side: Side | None = None,
    *,
    annotated: Path | None = None,
    options: PoseOptions | None = None,
    on_progress: FramesDone | None = None,
) -> AnalysedVideo:
    """Track the pose through `source` and count `exercise` (`side` as in analyze_stream).
    With `annotated`, also write the video with the skeleton drawn there (H.264 MP4).
    `options`: the pose model and settings (default: DEFAULT_VIDEO_MODEL, video mode).
    InputError when `source` is not a readable video."""
    if media_kind(source) != "video":
        raise InputError(f"{source}: not a video")
    with VideoFile(source) as probe:
        total = probe.frame_count
    done = [0]

    def tick(frames: int) -> None:
        done[0] += frames
        if on_progress is not None:
            on_progress(done[0], total)

    if annotated is not None:
        stream = annotate_video(source, annotated, options, on_progress=tick)
    else:
        stream = extract_stream(source, options, on_progress=tick)
    return AnalysedVideo(stream, analyze_stream_detailed(stream, exercise, side))
