"""`rehab exercises list|show|validate` and `rehab analyze` (shell: files, video, printing)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import yaml

from rehab.core.exercise import Exercise
from rehab.core.landmarks import LandmarkStream
from rehab.core.results import RepResult, SetResult, Side
from rehab.display import pct
from rehab.errors import InputError
from rehab.exercise_library import (
    ExerciseFileError,
    ExerciseLibrary,
    UnknownExerciseError,
    load_exercise_file,
    load_library,
)
from rehab.pose.commands import add_model_option


def _library(args: argparse.Namespace) -> ExerciseLibrary:
    library = load_library(Path(args.library) if args.library else None)
    for problem in library.problems:
        print(f"rehab: warning: skipped {problem}", file=sys.stderr)
    return library


def _exercise(args: argparse.Namespace, name: str) -> Exercise:
    """One exercise of the library; files that failed to load are named only when the
    exercise is not found (one of them may be the one asked for)."""
    library = load_library(Path(args.library) if args.library else None)
    try:
        return library.get(name)
    except UnknownExerciseError as exc:
        if not library.problems:
            raise
        broken = len(library.problems)
        raise UnknownExerciseError(
            f"{exc}; {broken} exercise file{'s' if broken > 1 else ''} could not be loaded, "
            f"first: {library.problems[0]} (`rehab exercises validate` lists them)"
        ) from exc


def cmd_list(args: argparse.Namespace) -> int:
    library = _library(args)
    rows = [
        (ex.id, ex.body_region.value, "hold" if ex.is_hold else "reps", ex.sides.value, ex.name)
        for ex in sorted(library.exercises.values(), key=lambda e: (e.body_region, e.id))
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4])
    print(f"{len(rows)} exercises")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    exercise = _exercise(args, args.id)
    print(f"{exercise.name} ({exercise.id})")
    if exercise.aliases:
        print(f"also called: {', '.join(exercise.aliases)}")
    print(f"region: {exercise.body_region.value}; camera: {', '.join(exercise.camera_views)}")
    print(f"sides: {exercise.sides.value}; measured: {exercise.angle.describe()}")
    if exercise.hold is not None:
        print(f"hold: {_zone(exercise.hold.zone)} for {exercise.hold.target_s:g} s")
        for check in exercise.hold.requires:
            lo, hi = check.allowed.min, check.allowed.max
            bounds = " and ".join(
                b
                for b in (
                    f">= {lo:g}" if lo is not None else "",
                    f"<= {hi:g}" if hi is not None else "",
                )
                if b
            )
            print(f"  and {check.id}: {'-'.join(check.measure.points)} {bounds}")
    elif exercise.rest is not None and exercise.peak is not None:
        print(
            f"rest {_zone(exercise.rest)}, peak {_zone(exercise.peak)}, "
            f"hysteresis {exercise.hysteresis_deg:g} deg"
        )
    print(f"\n{exercise.description.strip()}\n")
    for n, step in enumerate(exercise.instructions, 1):
        print(f"{n}. {step}")
    if exercise.form_rules:
        print("\nform cues:")
        for rule in exercise.form_rules:
            print(f"  [{rule.severity.value}] {rule.cue}")
    if args.yaml:
        print("\n" + yaml.safe_dump(exercise.model_dump(mode="json"), sort_keys=False))
    return 0


def _zone(zone: Any) -> str:
    lo, hi = zone.min_deg, zone.max_deg
    if lo is None:
        return f"<= {hi:g} deg"
    if hi is None:
        return f">= {lo:g} deg"
    return f"{lo:g}-{hi:g} deg"


def cmd_validate(args: argparse.Namespace) -> int:
    target = Path(args.path) if args.path else None
    if target is not None and target.is_file():
        try:
            exercise = load_exercise_file(target)
        except ExerciseFileError as exc:
            print(f"rehab: error: {exc}", file=sys.stderr)
            return 1
        print(f"{target.name}: ok ({exercise.id})")
        return 0
    if target is not None and not target.exists():
        raise InputError(f"{target}: no such file or folder")
    library = load_library(target)
    for problem in library.problems:
        print(f"rehab: error: {problem}", file=sys.stderr)
    print(f"{len(library)} exercises valid, {len(library.problems)} with errors")
    return 1 if library.problems else 0


def _analyse_input(
    path: Path, exercise: Exercise, side: Side | None, model: str | None
) -> tuple[SetResult, float]:
    """The set counted in a video or a .npz landmark stream, and the stream's first time."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".npz":
        from rehab.core.analysis import analyze_stream
        from rehab.streamfile import load_stream

        stream = load_stream(path)
        return analyze_stream(stream, exercise, side), _origin_ms(stream)
    from rehab.pose.options import PoseOptions
    from rehab.pose.sources import media_kind
    from rehab.pose.video_analysis import analyse_video
    from rehab.progress import progress_bar

    if media_kind(path) != "video":
        raise InputError(f"{path}: `rehab analyze` takes a video or a .npz landmark file")
    with progress_bar(None, "frame", "pose") as bar:

        def tick(done: int, total: int) -> None:
            bar.total = total or None
            bar.update(done - bar.n)

        options = PoseOptions(model=model)
        video = analyse_video(path, exercise, side, options=options, on_progress=tick)
    return video.analysis.result, _origin_ms(video.stream)


def _origin_ms(stream: LandmarkStream) -> float:
    return float(stream.t_ms[0]) if len(stream) else 0.0


def _seconds(t_ms: float) -> float:
    return round(t_ms / 1000.0, 3)


def _num(value: float, digits: int = 1) -> float | None:
    return None if math.isnan(value) else round(value, digits)


def rep_detail(rep: RepResult, origin_ms: float) -> dict[str, Any]:
    """One rep as JSON-ready numbers: times in seconds from the stream start, degrees."""
    return {
        "side": rep.side.value,
        "index": rep.index,
        "complete": rep.complete,
        "start_s": _seconds(rep.start_ms - origin_ms),
        "peak_s": _seconds(rep.peak_ms - origin_ms),
        "end_s": _seconds(rep.end_ms - origin_ms),
        "peak_angle_deg": _num(rep.peak_angle_deg),
        "min_angle_deg": _num(rep.min_angle_deg),
        "max_angle_deg": _num(rep.max_angle_deg),
        "rom_deg": _num(rep.rom_deg),
        "concentric_s": round(rep.concentric_s, 3),
        "eccentric_s": round(rep.eccentric_s, 3),
        "hold_s": round(rep.hold_s, 3),
        "confidence": round(rep.confidence, 3),
        "form_issues": [
            {
                "rule_id": i.rule_id,
                "cue": i.cue,
                "severity": i.severity.value,
                "t_s": _seconds(i.t_ms - origin_ms),
            }
            for i in rep.form_issues
        ],
    }


def result_json(exercise: Exercise, result: SetResult, origin_ms: float) -> dict[str, Any]:
    """The `rehab analyze --json` object."""
    per_side: dict[str, Any] = {}
    for side in (Side.LEFT, Side.RIGHT, Side.BOTH):
        done = result.complete_reps(side)
        own = result.figures.side(side)  # the limb's own counter, where it had one
        counted = len(done) if done or side in result.reps_per_side() else None
        if counted is None and own is not None:
            counted = own.reps
        if counted is None:
            continue
        rom = [r.rom_deg for r in done]
        mean_rom = sum(rom) / len(rom) if rom else (own.mean_rom_deg if own else math.nan)
        per_side[side.value] = {"reps": counted, "mean_rom_deg": _num(mean_rom)}
    return {
        "exercise": exercise.id,
        "reps": result.total_reps,
        "reps_done": result.reps_done,
        "partial_reps": len(result.partial_reps()),
        "per_side": per_side,
        "rom_asymmetry_pct": _num(result.figures.rom_asymmetry_pct),
        "rep_details": [rep_detail(r, origin_ms) for r in result.reps],
        "holds": [
            {
                "side": h.side.value,
                "start_s": _seconds(h.start_ms - origin_ms),
                "end_s": _seconds(h.end_ms - origin_ms),
                "held_s": round(h.held_s, 2),
                "mean_angle_deg": _num(h.mean_angle_deg),
                "complete": h.complete,
                "confidence": round(h.confidence, 3),
            }
            for h in result.holds
        ],
        "warnings": list(result.warnings),
    }


def cmd_analyze(args: argparse.Namespace) -> int:
    exercise = _exercise(args, args.exercise)
    side = Side(args.side) if args.side else None
    result, origin_ms = _analyse_input(Path(args.input), exercise, side, args.model)
    if args.json:
        print(json.dumps(result_json(exercise, result, origin_ms), indent=2))
    else:
        _print_human(exercise, result, origin_ms)
    for warning in result.warnings:
        print(f"rehab: warning: {warning}", file=sys.stderr)
    return 0


def _print_human(exercise: Exercise, result: SetResult, origin_ms: float) -> None:
    print(f"{exercise.name}: {result.total_reps} reps, {len(result.partial_reps())} partial")
    for side, count in result.reps_per_side().items():
        if side is not Side.BOTH:
            print(f"  {side.value}: {count} reps")
    asymmetry_pct = result.figures.rom_asymmetry_pct
    if not math.isnan(asymmetry_pct):
        print(f"  left/right ROM asymmetry: {pct(asymmetry_pct)}")
    if result.reps:
        print(
            f"\n{'#':>3} {'side':5} {'start':>6} {'peak':>6} {'end':>6} {'peak°':>6} "
            f"{'ROM°':>5} {'up s':>5} {'down s':>6} {'conf':>4}  form"
        )
    for rep in result.reps:
        d = rep_detail(rep, origin_ms)
        label = str(rep.index) if rep.complete else "p"
        issues = "; ".join(i["cue"] for i in d["form_issues"])
        print(
            f"{label:>3} {rep.side.value:5} {d['start_s']:6.2f} {d['peak_s']:6.2f} "
            f"{d['end_s']:6.2f} {rep.peak_angle_deg:6.0f} {rep.rom_deg:5.0f} "
            f"{rep.concentric_s:5.1f} {rep.eccentric_s:6.1f} {rep.confidence:4.2f}  {issues}"
        )
    for hold in result.holds:
        status = "complete" if hold.complete else "short"
        print(
            f"hold {hold.side.value}: {hold.held_s:.1f} s ({status}) from "
            f"{(hold.start_ms - origin_ms) / 1000:.1f} s, mean {hold.mean_angle_deg:.0f} deg"
        )


def _add_library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library", metavar="DIR", default=None, help="exercise folder (default: exercises/)"
    )


def register(commands: Any) -> None:
    exercises = commands.add_parser("exercises", help="list, show or validate exercise files")
    sub = exercises.add_subparsers(dest="exercises_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="all exercises in the library")
    _add_library_option(listing)
    listing.set_defaults(handler=cmd_list)
    show = sub.add_parser("show", help="one exercise: zones, instructions, form cues")
    show.add_argument("id", help="exercise id or alias")
    show.add_argument("--yaml", action="store_true", help="also print the parsed definition")
    _add_library_option(show)
    show.set_defaults(handler=cmd_show)
    validate = sub.add_parser("validate", help="check exercise files (exit 1 on errors)")
    validate.add_argument("path", nargs="?", default=None, help="a .yaml file or a folder")
    validate.set_defaults(handler=cmd_validate)
    from rehab.demos.commands import register as register_demo

    register_demo(sub)

    analyze = commands.add_parser("analyze", help="count reps in a video or .npz landmark file")
    analyze.add_argument("input", help="video (mp4/mov/...) or landmark stream (.npz)")
    analyze.add_argument("--exercise", "-e", required=True, help="exercise id or alias")
    analyze.add_argument("--side", choices=[s.value for s in Side], default=None)
    analyze.add_argument("--json", action="store_true", help="print one JSON object")
    add_model_option(analyze)
    _add_library_option(analyze)
    analyze.set_defaults(handler=cmd_analyze)
