"""`rehab demo`: a demo clinic, computed by the real counting engine (see rehab.demo_clinic)."""

from __future__ import annotations

import argparse
from typing import Any

from rehab.argtypes import whole_number
from rehab.cli import database_url_option
from rehab.errors import StoreError


def cmd_demo(args: argparse.Namespace) -> int:
    from rehab.demo_clinic.build import build_demo
    from rehab.store import demo_exists, has_accounts, open_database

    db = open_database(args.url)
    with db.transaction() as tx:
        has_any, has_demo = has_accounts(tx), demo_exists(tx)
    if args.if_empty and has_any:  # a clinic's own database: never demo accounts in it
        print(f"{db.url}: has accounts already; no demo added")
        return 0
    if has_demo and not args.replace:
        raise StoreError("a demo clinic already exists: use `rehab demo --replace`")
    print("building the demo clinic: simulated sessions through the counting engine ...")
    summary = build_demo(db, weeks=args.weeks, replace=args.replace, seed=args.seed)
    print(f"{db.url}: {summary}")
    return 0


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo", help="create a demo clinic (sessions computed by the real counting engine)"
    )
    demo.add_argument(
        "--weeks", type=whole_number(1, 104), default=8, help="weeks of sessions (default 8)"
    )
    demo.add_argument("--seed", type=whole_number(0), default=7, help="random seed (default 7)")
    demo.add_argument("--replace", action="store_true", help="delete an existing demo clinic first")
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="only when the database has no accounts at all (what `make run` uses)",
    )
    database_url_option(demo)
    demo.set_defaults(handler=cmd_demo)
