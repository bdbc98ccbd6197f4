"""The `rehab` command line. Errors a user can fix print one line and exit with code 2;
any other failure prints one line too (exit 1) and its traceback only with `-v`.

Each feature registers its own subcommands from a `register(commands)` function in its
module (listed in COMMAND_MODULES), so the CLI stays a thin router.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import NoReturn

from rehab import __version__
from rehab.errors import RehabError

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USER_ERROR = 2

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace], int]

COMMAND_MODULES: tuple[str, ...] = (
    "rehab.pose.commands",
    "rehab.pose.model_commands",
    "rehab.store.commands",
    "rehab.demo_clinic.commands",
    "rehab.exercise_commands",
    "rehab.reports.commands",
    "rehab.live.commands",
    "rehab.dashboard.serve",
    "rehab.patient.commands",
    "rehab.live.ondevice.commands",
    "rehab.jobs.commands",
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (what is wrong, where to read more), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"rehab: error: {message} (see `{self.prog} --help`)\n")


def database_url_option(parser: argparse.ArgumentParser) -> None:
    """`--url`: the database a command works on, for every command that opens one."""
    parser.add_argument(
        "--url",
        default=None,
        help="SQLAlchemy database URL (default: REHAB_DATABASE_URL, "
        "or rehab.db under REHAB_HOME / the per-user data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="rehab", description="Rehabilitation exercise tracker (BlazePose).")
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
        warnings.simplefilter("ignore")  # libraries' warnings are for developers (-v shows them)
    logging.basicConfig(  # without -v only errors: a command says what matters in its own words
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("rehab: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place where every failure becomes one line
        code, message = describe_failure(exc, args)
        if args.verbose:
            log.exception("details of the failure below")
        print(f"rehab: {message}", file=sys.stderr)
        return code


def describe_failure(exc: Exception, args: argparse.Namespace) -> tuple[int, str]:
    """(exit code, one line) for any failure: 2 for what the user can fix, 1 for a bug."""
    if isinstance(exc, RehabError):
        return EXIT_USER_ERROR, f"error: {one_line(str(exc))}"
    if _is_database_error(exc):
        from rehab.store import explain_database_error

        return (
            EXIT_USER_ERROR,
            f"error: {explain_database_error(exc, [getattr(args, 'url', None)])}",
        )
    if isinstance(exc, MemoryError):
        return EXIT_USER_ERROR, "error: not enough memory for this input"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return EXIT_USER_ERROR, f"error: {where}{exc.strerror or one_line(str(exc))}"
    return EXIT_BUG, (
        f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
        "(a bug: run again with -v for details, and please report it)"
    )


def _is_database_error(exc: Exception) -> bool:
    if "sqlalchemy" not in sys.modules and "alembic" not in sys.modules:
        return False  # no database was touched: do not import the store to say so
    from rehab.store import is_database_error

    return is_database_error(exc)


def one_line(text: str) -> str:
    """`text` on one line: its lines joined, runs of blanks collapsed."""
    return " ".join(text.split()) or "(no details)"


if __name__ == "__main__":
    sys.exit(main())
