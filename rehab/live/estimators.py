"""The two pose estimators of a live session, one per kind of phase.

- set-up check: the tracker follows up to 2 poses, so anyone else in the picture is seen on
  every frame (MediaPipe then runs its person detector on each frame: about x1.6);
- counting (and rest): the patient alone (1 pose, the cost of one person), with a light
  people check now and then (`PoseOptions.people_check_interval_ms`).

Making an estimator takes about half a second, so both are made once per session, and the
counting one is made on a background thread while the set-up check runs: the switch to
counting costs no frame.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from rehab.pose.estimator import PoseEstimator
from rehab.pose.options import PoseOptions

SETUP_POSES = 2


def setup_options(options: PoseOptions) -> PoseOptions:
    """The set-up check's options: `options` tracking at least SETUP_POSES poses (they count
    the people themselves, so no separate check)."""
    return options.replace(
        num_poses=max(SETUP_POSES, options.num_poses), people_check_interval_ms=None
    )


class PhaseEstimators:
    """`for_phase(setup)` gives the estimator for the set-up check or for counting."""

    def __init__(
        self, options: PoseOptions, factory: Callable[[PoseOptions], PoseEstimator]
    ) -> None:
        self.options = options
        self._factory = factory
        self._setup: PoseEstimator | None = None
        self._counting: Future[PoseEstimator] | None = None
        self._pool: ThreadPoolExecutor | None = None

    def for_phase(self, setup: bool) -> PoseEstimator:
        if setup:
            if self._setup is None:
                self._setup = self._factory(setup_options(self.options))
                self._prepare_counting()
            return self._setup
        self._prepare_counting()
        assert self._counting is not None
        return self._counting.result()

    def _prepare_counting(self) -> None:
        if self._counting is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pose-prepare")
            self._counting = self._pool.submit(self._factory, self.options)

    @property
    def model_name(self) -> str:
        return self._setup.model_name if self._setup is not None else ""

    def close(self) -> None:
        if self._setup is not None:
            self._setup.close()
            self._setup = None
        counting, self._counting = self._counting, None
        if counting is not None and counting.exception() is None:  # waits for it
            counting.result().close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
