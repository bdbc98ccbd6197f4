"""`rehab live`: the desktop fallback for a patient without a browser.

    rehab live --exercise biceps_curl                      # camera 0, counts without saving
    rehab live --exercise knee_extension --patient jo      # saves to jo's record (password asked)
    rehab live --exercise squat --camera recording.mp4 --no-window   # a video as the camera

An OpenCV window shows the same overlay as the browser page (the same `LiveProcessor`).
Keys: q or Esc ends the session, n ends the set under way, space skips the rest.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehab.argtypes import positive_int, seconds
from rehab.errors import StoreError
from rehab.pose.commands import add_model_option
from rehab.pose.models import DEFAULT_LIVE_MODEL

if TYPE_CHECKING:  # the flow pulls in scipy: imported when a session runs, not at start-up
    from rehab.live.flow import SetPlan

log = logging.getLogger(__name__)

ENV_PASSWORD = "REHAB_PASSWORD"
WINDOW = "Rehab live session (q: end, n: end set, space: skip rest)"


def _frames(camera: str) -> Any:
    """Frames from a camera index, a device path / URL, or a video file (its own clock)."""
    from rehab.pose.sources import VideoFile, Webcam

    if camera.isdigit():
        source: Any = Webcam(int(camera))
    elif Path(camera).is_file():
        source = VideoFile(camera)
    else:
        source = Webcam(camera)
    return source


def _sign_in(db: Any, username: str) -> tuple[Any, int]:
    from rehab.store import authenticate
    from rehab.store.queries import patient_id_for_user

    password = os.environ.get(ENV_PASSWORD) or getpass.getpass(f"Password for {username}: ")
    with db.transaction() as tx:
        actor = authenticate(tx, username, password)
        return actor, patient_id_for_user(tx, actor)


def _plans(args: argparse.Namespace, program: Any) -> tuple[list[SetPlan], int | None]:
    """The prescribed sets of this exercise when the program has it, else the options'."""
    from rehab.live.flow import DEFAULT_REST_S, expand_sets

    rest_s = DEFAULT_REST_S if args.rest_s is None else args.rest_s
    for item in program.items if program is not None else ():
        if item.exercise_id == args.exercise:
            plans = expand_sets(
                item.exercise_id, item.sets, item.reps, item.hold_s, item.side, item.item_id,
                rest_s,
            )  # fmt: skip
            return plans, program.prescription_id
    plans = expand_sets(args.exercise, args.sets, args.reps, args.hold_s, rest_s=rest_s)
    return plans, None


def _show(rgb: Any, window: bool) -> int:
    """Show a frame; the key pressed (or -1)."""
    if not window:
        return -1
    import cv2

    cv2.imshow(WINDOW, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return int(cv2.waitKey(1) & 0xFF)


def _run_loop(live: Any, frames: Iterator[Any], window: bool, realtime: bool) -> bool:
    """Process frames until the session is done or the patient quits; True if they quit."""
    from rehab.live.flow import Phase

    processor = live.processor
    t0 = time.monotonic()
    for frame in frames:
        t_ms = (time.monotonic() - t0) * 1000.0 if realtime else frame.t_ms
        key = _show(processor.process(frame.rgb, t_ms), window)
        if key in (ord("q"), 27):
            return True
        if key == ord("n"):
            processor.end_set()
        elif key == ord(" "):
            processor.skip_rest()
        if processor.status().phase is Phase.DONE:
            return True
    return False


def cmd_live(args: argparse.Namespace) -> int:
    from rehab.domain import SessionStatus
    from rehab.exercise_library import load_library

    library = load_library()
    library.get(args.exercise)  # an unknown id fails here, with the known ones listed
    source = _frames(args.camera)  # a camera or file that cannot be read fails before output
    try:
        live = _start(args, library)
        try:
            quit_ = _run_loop(live, iter(source), not args.no_window, args.camera.isdigit())
        finally:
            _close_window(not args.no_window)
    finally:
        source.close()
    lost = not quit_ and getattr(source, "disconnected", True)
    status = SessionStatus.INTERRUPTED if lost else SessionStatus.COMPLETED
    live.finish(status)
    _report(live, status)
    return 0


def _start(args: argparse.Namespace, library: Any) -> Any:
    """Sign in (with --patient), find today's program, and make the live session."""
    from rehab.live.history import todays_program
    from rehab.store import open_database

    db = open_database()
    if args.patient:
        actor, patient_id = _sign_in(db, args.patient)
        program = todays_program(db, actor, patient_id, _today())
    else:
        actor, patient_id, program = None, None, None
        print("not signed in (--patient): counting only, nothing is saved")
    plans, prescription_id = _plans(args, program)
    return _make_session(db, actor, patient_id, plans, library, prescription_id, args)


def _today() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC).date()


def _make_session(
    db: Any,
    actor: Any,
    patient_id: int | None,
    plans: list[SetPlan],
    library: Any,
    prescription_id: int | None,
    args: argparse.Namespace,
) -> Any:
    from rehab.live.session import LiveSession
    from rehab.pose.options import PoseOptions
    from rehab.store import Actor

    options = {
        "source_mirrored": args.mirrored_camera,
        "every_nth": args.every_nth,
        "options": PoseOptions.live(args.model),
    }
    if isinstance(actor, Actor) and patient_id is not None:
        return LiveSession.create(
            db, actor, patient_id, plans, library.get, prescription_id=prescription_id,
            **options,
        )  # fmt: skip
    return LiveSession.unsaved(plans, library.get, **options)


def _close_window(window: bool) -> None:
    if window:
        import cv2

        cv2.destroyAllWindows()


def _report(live: Any, status: Any) -> None:
    for plan, result in live.processor.flow.results:
        sides = [f"{side.value} {n}" for side, n in result.reps_by_limb().items()]
        each = f" ({', '.join(sides)})" if len(sides) > 1 else ""
        print(f"{plan.exercise_id} set {plan.set_index}: {result.reps_done} reps done{each}")
    if live.writer is None:
        return
    if live.writer.error:
        raise StoreError(live.writer.error)
    saved = live.writer.saved_reps
    print(f"saved session #{live.writer.session_id} ({status.value}): {saved} reps")


def register(commands: Any) -> None:
    live = commands.add_parser(
        "live", help="count an exercise live from a webcam in a desktop window"
    )
    live.add_argument("--exercise", required=True, help="exercise id (see `rehab exercises`)")
    live.add_argument(
        "--camera", default="0", help="camera index (0, 1...), device path, or a video file"
    )
    live.add_argument(
        "--patient", help=f"patient username: save the session (password: ${ENV_PASSWORD} or asked)"
    )
    live.add_argument("--sets", type=positive_int, default=1, help="sets (without a program)")
    live.add_argument("--reps", type=positive_int, help="reps per set (default: open-ended)")
    live.add_argument("--hold-s", type=seconds, help="hold seconds per set (hold exercises)")
    live.add_argument("--rest-s", type=seconds, default=None, help="rest between sets (s)")
    live.add_argument(
        "--mirrored-camera", action="store_true", help="the camera itself delivers a mirror image"
    )
    live.add_argument(
        "--every-nth", type=positive_int, default=1, help="run BlazePose on every n-th frame"
    )
    live.add_argument("--no-window", action="store_true", help="no window (headless)")
    add_model_option(live, DEFAULT_LIVE_MODEL)
    live.set_defaults(handler=cmd_live)
