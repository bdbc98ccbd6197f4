"""`rehab annotate` and `rehab landmarks`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rehab.argtypes import fraction
from rehab.display import pct
from rehab.errors import InputError
from rehab.outputs import Protected, check_output
from rehab.pose.models import DEFAULT_VIDEO_MODEL, MODEL_NAMES
from rehab.progress import progress_bar


def cmd_annotate(args: argparse.Namespace) -> int:
    from rehab.pose.options import PoseOptions
    from rehab.pose.pipeline import annotate_image, annotate_video, write_json
    from rehab.pose.sources import VideoFile, media_kind

    source, output = Path(args.input), Path(args.output)
    json_path = _json_path(args.json, output)
    kind = media_kind(source)
    the_input = Protected(f"the input {kind}", source)
    check_output(output, [the_input])
    if json_path is not None:
        check_output(json_path, [the_input, Protected("the annotated output", output)])
    if kind == "image":
        result = annotate_image(source, output, args.model, args.min_visibility)
        poses, model = [result.pose], result.model
        if result.pose.detected:
            print(f"wrote {output} (33 keypoints)")
        else:
            print(f"no person found in {source}; wrote the image unannotated to {output}")
    else:
        with VideoFile(source) as probe:
            total = probe.frame_count
        with progress_bar(total, "frame", "annotate") as bar:
            stream = annotate_video(
                source, output, PoseOptions(model=args.model), args.min_visibility, bar.update
            )
        poses, model = list(stream), stream.info.model
        print(
            f"wrote {output}: {len(stream)} frames, person found in "
            f"{pct(100 * stream.detection_rate)} of them"
        )
    if json_path is not None:
        write_json(poses, json_path, model)
        print(f"wrote {json_path}")
    return 0


def _json_path(option: str | bool | None, output: Path) -> Path | None:
    """`--json` alone: OUTPUT with .json; `--json PATH`: that path; absent: None."""
    if option is None:
        return None
    return output.with_suffix(".json") if option is True else Path(str(option))


def cmd_landmarks(args: argparse.Namespace) -> int:
    from rehab.pose.options import PoseOptions
    from rehab.pose.pipeline import extract_stream
    from rehab.pose.sources import VideoFile, media_kind
    from rehab.streamfile import save_stream, stream_path

    source, output = Path(args.video), stream_path(args.output)
    if media_kind(source) != "video":
        raise InputError(f"{source}: `rehab landmarks` takes a video (use `annotate` for images)")
    check_output(output, [Protected("the input video", source)])
    with VideoFile(source) as probe:
        total = probe.frame_count
    with progress_bar(total, "frame", "landmarks") as bar:
        stream = extract_stream(source, PoseOptions(model=args.model), bar.update)
    written = save_stream(stream, output)
    print(
        f"wrote {written}: {len(stream)} frames at {stream.info.fps:.2f} fps, "
        f"person found in {pct(100 * stream.detection_rate)}"
    )
    return 0


def add_model_option(parser: argparse.ArgumentParser, default: str = DEFAULT_VIDEO_MODEL) -> None:
    """`--model lite|full|heavy|PATH.task`, the same on every command that runs pose."""
    parser.add_argument(
        "--model",
        default=None,
        metavar="|".join([*MODEL_NAMES, "PATH.task"]),
        help=f"pose model: {', '.join(MODEL_NAMES)} (built by `rehab models build`) or a "
        f"MediaPipe pose landmarker .task file (default: {default})",
    )


def register(commands: Any) -> None:
    annotate = commands.add_parser(
        "annotate", help="draw the 33 BlazePose keypoints on an image or a video"
    )
    annotate.add_argument("input", help="image (jpg/png) or video (mp4/mov/avi/mkv/webm)")
    annotate.add_argument("-o", "--output", required=True, help="annotated .jpg/.png or .mp4")
    annotate.add_argument(
        "--json",
        nargs="?",
        const=True,
        default=None,
        metavar="PATH",
        help="also write the landmarks as JSON (default: OUTPUT with .json)",
    )
    annotate.add_argument(
        "--min-visibility", type=fraction, default=0.5, help="hide joints below this (0-1)"
    )
    add_model_option(annotate)
    annotate.set_defaults(handler=cmd_annotate)

    landmarks = commands.add_parser(
        "landmarks", help="extract a video's landmark stream to a .npz file"
    )
    landmarks.add_argument("video")
    landmarks.add_argument("-o", "--output", required=True, help="stream file (.npz)")
    add_model_option(landmarks)
    landmarks.set_defaults(handler=cmd_landmarks)
