"""`rehab exercises demo ID -o FILE`: the demonstration of an exercise as GIF, MP4 or PNG."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rehab.core.exercise import CameraView
from rehab.core.exercise_text import LANGUAGES


def cmd_demo(args: argparse.Namespace) -> int:
    from rehab.demos.output import write_demo
    from rehab.errors import InputError
    from rehab.exercise_commands import _library

    exercise = _library(args).get(args.id)
    view = CameraView(args.view) if args.view else None
    if view is not None and view not in exercise.camera_views:
        views = ", ".join(v.value for v in exercise.camera_views)
        raise InputError(f"{exercise.id} is filmed from: {views} (not {view.value})")
    try:
        scene = write_demo(exercise, Path(args.output), args.language, view)
    except ValueError as exc:  # a clinic's exercise whose motion cannot be read or reached
        raise InputError(str(exc)) from exc
    plan = scene.plan
    shown = f"{plan.holds} hold(s)" if plan.is_hold else f"{plan.reps} rep(s)"
    seconds = f"{plan.duration_s():.1f} s"
    print(f"{args.output}: {exercise.id}, {shown}, {plan.view.value} view, {seconds}")
    return 0


def register(sub: Any) -> None:
    """Adds `demo` to the `rehab exercises` actions."""
    demo = sub.add_parser("demo", help="the exercise's demonstration as GIF, MP4 or PNG stills")
    demo.add_argument("id", help="exercise id or alias")
    demo.add_argument(
        "-o", "--output", required=True, metavar="FILE",
        help=".gif or .mp4 (the animation) or .png (start and peak stills side by side)",
    )  # fmt: skip
    demo.add_argument("--view", choices=[v.value for v in CameraView], default=None)
    demo.add_argument("--language", choices=LANGUAGES, default="en")
    demo.add_argument("--library", metavar="DIR", default=None, help="exercise folder")
    demo.set_defaults(handler=cmd_demo)
