"""`rehab worker`: do the uploaded-media jobs the dashboard queues (rehab.jobs.worker)."""

from __future__ import annotations

import argparse
from typing import Any

from rehab.cli import database_url_option


def cmd_worker(args: argparse.Namespace) -> int:
    from rehab.jobs.worker import Worker, WorkerOptions
    from rehab.store import database_url

    options = WorkerOptions(poll_s=args.poll_s, stale_after_s=args.stale_after_s, once=args.once)
    Worker(args.url or database_url(), options).run()
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError(f"{text}: give seconds between 0 and 86400")
    return value


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="do the dashboard's uploaded-media jobs (analyse, annotate) until stopped"
    )
    worker.add_argument(
        "--once", action="store_true", help="do at most one job; stop when the queue is empty"
    )
    worker.add_argument("--poll-s", type=_positive, default=1.0, help="idle poll interval")
    worker.add_argument(
        "--stale-after-s",
        type=_positive,
        default=60.0,
        help="a running job without a heartbeat this long lost its worker (re-queued once)",
    )
    database_url_option(worker)
    worker.set_defaults(handler=cmd_worker)
