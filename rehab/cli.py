"""The `rehab` command line. Errors a user can fix print one line and exit with code 2.

Each feature registers its own subcommands from a `register(commands)` function in its
module (listed in COMMAND_MODULES), so the CLI stays a thin router.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from rehab import __version__
from rehab.errors import RehabError

EXIT_OK = 0
EXIT_USER_ERROR = 2

Handler = Callable[[argparse.Namespace], int]

COMMAND_MODULES: tuple[str, ...] = (
    "rehab.pose.commands",
    "rehab.store.commands",
    "rehab.demo_clinic.commands",
    "rehab.exercise_commands",
    "rehab.reports.commands",
    "rehab.live.commands",
    "rehab.patient.commands",
    "rehab.live.ondevice.commands",
)


def database_url_option(parser: argparse.ArgumentParser) -> None:
    """`--url`: the database a command works on, for every command that opens one."""
    parser.add_argument(
        "--url",
        default=None,
        help="SQLAlchemy database URL (default: REHAB_DATABASE_URL, "
        "or rehab.db under REHAB_HOME / the per-user data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rehab", description="Rehabilitation exercise tracker (BlazePose)."
    )
    parser.add_argument("--version", action="version", version=f"rehab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


def _silence_native_stderr() -> None:
    """Send fd 2 (MediaPipe/TFLite C++ logs) to /dev/null; Python's stderr keeps the terminal.

    Python-level output (our errors, progress bars, tracebacks) goes through a duplicate
    of the original descriptor, so only the native libraries' chatter disappears.
    """
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    sys.stderr.flush()
    sys.stderr = os.fdopen(saved, "w", buffering=1, encoding="utf-8", errors="replace")
    os.dup2(devnull, 2)
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.verbose:
        _silence_native_stderr()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except RehabError as exc:
        print(f"rehab: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("rehab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
