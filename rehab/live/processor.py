"""The per-frame work of a live session, shared by the browser page and the desktop window.

    processor = LiveProcessor(flow, updates=queue.Queue(), writer=writer)
    out_rgb = processor.process(rgb, t_ms)      # in the webcam thread

frame -> BlazePose -> (mirrored camera: relabel sides) -> SessionFlow (set-up check, counting,
rest) -> overlay. Each processed frame puts a `LiveUpdate` into `updates` for the page, and
hands what must be saved to the `SessionWriter` (its own thread): nothing here waits on the
page or the database.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from rehab.core.landmarks import PoseFrame
from rehab.live.estimators import PhaseEstimators
from rehab.live.flow import LiveStatus, Note, Phase, SessionFlow, SetBegun
from rehab.live.overlay import draw_overlay
from rehab.live.writer import SessionWriter
from rehab.pose.backends import create_estimator
from rehab.pose.estimator import PoseEstimator
from rehab.pose.models import resolve_model
from rehab.pose.options import PoseOptions

Image = npt.NDArray[np.uint8]  # (H, W, 3) RGB

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveUpdate:
    """What the page needs after one frame."""

    status: LiveStatus
    speak: tuple[str, ...]
    saved_reps: int
    session_id: int | None
    error: str
    frame_ms: float  # time spent on this frame (pose + flow + drawing)
    fps: float  # frames processed per second, over the last two seconds


def put_latest(target: queue.Queue[LiveUpdate], update: LiveUpdate) -> None:
    """Put without blocking; when the page lags, the oldest update makes room."""
    while True:
        try:
            target.put_nowait(update)
            return
        except queue.Full:
            try:
                target.get_nowait()
            except queue.Empty:
                continue


class StreamClock:
    """Frame times in ms from the frames' own capture timestamps (WebRTC pts), so a frame
    delivered late still carries the time it was taken; without a timestamp, the monotonic
    clock. When the timestamps restart (a new stream after STOP/START) or jump, time goes on
    from the last frame by the wall-clock pause, so the counter sees the real gap."""

    def __init__(self, frame_ms: float = 1000.0 / 30.0, max_jump_ms: float = 20_000.0) -> None:
        self._frame_ms = frame_ms
        self._max_jump_ms = max_jump_ms
        self._offset_ms = 0.0
        self._last_ms = float("-inf")
        self._last_wall_s = 0.0

    def __call__(self, pts_s: float | None) -> float:
        now_s = time.monotonic()
        raw = pts_s * 1000.0 if pts_s is not None else now_s * 1000.0
        t_ms = raw + self._offset_ms
        first = self._last_ms == float("-inf")
        if not first and not 0 < t_ms - self._last_ms <= self._max_jump_ms:
            paused_ms = max(self._frame_ms, (now_s - self._last_wall_s) * 1000.0)
            self._offset_ms += self._last_ms + paused_ms - t_ms
            t_ms = self._last_ms + paused_ms
        self._last_ms, self._last_wall_s = t_ms, now_s
        return t_ms


class LiveProcessor:
    """One per live session: it owns the session's pose estimators (`PhaseEstimators`: the
    set-up check sees everyone, counting follows the patient), made in the camera thread on
    the first frame and kept across pauses."""

    def __init__(
        self,
        flow: SessionFlow,
        updates: queue.Queue[LiveUpdate] | None = None,
        writer: SessionWriter | None = None,
        *,
        source_mirrored: bool = False,
        mirror_display: bool = True,
        every_nth: int = 1,
        options: PoseOptions | None = None,
        estimator_factory: Callable[[PoseOptions], PoseEstimator] = create_estimator,
    ) -> None:
        if every_nth < 1:
            raise ValueError(f"every_nth must be >= 1 (got {every_nth})")
        self.flow = flow
        self.updates = updates if updates is not None else queue.Queue(maxsize=64)
        self.writer = writer
        self.source_mirrored = source_mirrored
        self.mirror_display = mirror_display
        self.every_nth = every_nth
        self.options = options or PoseOptions.live()
        self.pose_model: str | None = None  # recorded on each set (angles of models differ)
        if estimator_factory is create_estimator:  # a model that is not built fails here
            self.pose_model = resolve_model(self.options.model).name
        self._factory = estimator_factory
        self._estimators: PhaseEstimators | None = None
        self._lock = threading.Lock()
        self._n = 0
        self._pose: PoseFrame | None = None
        self.frame_ms: deque[float] = deque(maxlen=300)
        self._arrivals: deque[float] = deque(maxlen=120)  # monotonic seconds of recent frames
        self._last_frame_s = float("-inf")  # monotonic clock of the last frame

    def process(self, rgb: Image, t_ms: float) -> Image:
        """One RGB frame in, the frame with the overlay out (called from the camera thread)."""
        started = time.perf_counter()
        self._last_frame_s = time.monotonic()
        self._arrivals.append(self._last_frame_s)
        with self._lock:
            if self._n % self.every_nth == 0:
                self._pose = self._estimate(rgb, t_ms)
                self._dispatch(self.flow.step(self._pose))
            self._n += 1
            status = self.flow.status()
            speech = tuple(self.flow.take_speech())
        out = draw_overlay(
            rgb,
            self._pose_for_drawing(),
            status,
            self.mirror_display,
            self._min_visibility(),
            self.flow.gettext,
        )
        spent_ms = (time.perf_counter() - started) * 1000.0
        self.frame_ms.append(spent_ms)
        put_latest(self.updates, self._update(status, speech, spent_ms))
        return out

    def _estimate(self, rgb: Image, t_ms: float) -> PoseFrame:
        if self._estimators is None:
            self._estimators = PhaseEstimators(self.options, self._factory)
        estimator = self._estimators.for_phase(self.flow.phase is Phase.SETUP)
        pose = estimator.estimate(rgb, t_ms)
        return pose.mirrored() if self.source_mirrored else pose

    @property
    def model_name(self) -> str:
        """The model the landmarks come from (empty before the first frame)."""
        return self._estimators.model_name if self._estimators is not None else ""

    def _pose_for_drawing(self) -> PoseFrame | None:
        """The pose in the picture's own coordinates (undo the relabelling of a mirrored camera)."""
        if self._pose is None:
            return None
        return self._pose.mirrored() if self.source_mirrored else self._pose

    def _min_visibility(self) -> float:
        return self.flow.exercise.min_visibility

    def _dispatch(self, notes: list[Note]) -> None:
        if self.writer is None:
            return
        for note in notes:
            if isinstance(note, SetBegun) and note.pose_model is None:
                note = replace(note, pose_model=self.pose_model)
            self.writer.submit(note)

    def _update(self, status: LiveStatus, speech: tuple[str, ...], spent_ms: float) -> LiveUpdate:
        writer = self.writer
        return LiveUpdate(
            status=status,
            speak=speech,
            saved_reps=writer.saved_reps if writer else 0,
            session_id=writer.session_id if writer else None,
            error=writer.error if writer else "",
            frame_ms=spent_ms,
            fps=self.fps(),
        )

    def fps(self, window_s: float = 2.0) -> float:
        """Frames that reached the processor per second, over the last `window_s`."""
        now = time.monotonic()
        return sum(1 for t in self._arrivals if now - t <= window_s) / window_s

    def seconds_since_frame(self) -> float:
        """How long the camera has been silent (inf before the first frame)."""
        return time.monotonic() - self._last_frame_s

    # -- asked by the page (any thread) ------------------------------------------------------

    def end_set(self) -> None:
        with self._lock:
            self._dispatch(self.flow.end_set())

    def skip_rest(self) -> None:
        with self._lock:
            self.flow.skip_rest()

    def stop(self) -> LiveStatus:
        """End the session's counting now (the set under way is closed and saved)."""
        with self._lock:
            self._dispatch(self.flow.stop())
            return self.flow.status()

    def status(self) -> LiveStatus:
        with self._lock:
            return self.flow.status()

    def _close_estimator(self) -> None:
        if self._estimators is not None:
            self._estimators.close()
            self._estimators = None

    def close(self) -> None:
        with self._lock:
            self._close_estimator()
