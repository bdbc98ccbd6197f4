"""`rehab db ...`, `rehab user add`, `rehab patient add` and `rehab demo`."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from rehab.argtypes import whole_number
from rehab.core.results import Side
from rehab.errors import StoreError
from rehab.store.models import Role

ENV_NEW_PASSWORD = "REHAB_NEW_PASSWORD"
ENV_ADMIN_PASSWORD = "REHAB_ADMIN_PASSWORD"


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from rehab.store.engine import (
        create_db_engine,
        current_revision,
        database_url,
        describe_url,
        open_database,
    )

    url = args.url or database_url()
    before = current_revision(create_db_engine(url))
    engine = open_database(url)
    after = current_revision(engine)
    if before == after:
        print(f"{describe_url(url)}: already at revision {after}")
    else:
        print(f"{describe_url(url)}: upgraded {before or 'empty'} -> {after}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from rehab.store.engine import (
        create_db_engine,
        current_revision,
        database_url,
        describe_url,
        head_revision,
    )

    url = args.url or database_url()
    current, head = current_revision(create_db_engine(url)), head_revision()
    state = (
        "up to date" if current == head else f"behind (newest is {head}): run `rehab db upgrade`"
    )
    print(f"{describe_url(url)}: revision {current or 'none (empty)'}, {state}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from rehab.store.clinic import create_user
    from rehab.store.engine import open_database, session_scope

    engine = open_database(args.url)
    with session_scope(engine) as session:
        actor = _admin(session, args.admin)
        password = _new_password(args.username)
        user_id = create_user(session, actor, args.username, args.name, Role(args.role), password)
    print(f"created {args.role} '{args.username}' (user #{user_id})")
    return 0


def cmd_patient_add(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from rehab.store.clinic import create_patient, create_user
    from rehab.store.engine import open_database, session_scope
    from rehab.store.models import User

    engine = open_database(args.url)
    with session_scope(engine) as session:
        actor = _admin(session, args.admin)
        therapist_id = session.scalar(select(User.id).where(User.username == args.therapist))
        if therapist_id is None:
            raise StoreError(f"no therapist with username '{args.therapist}'")
        password = _new_password(args.username)
        user_id = create_user(session, actor, args.username, args.name, Role.PATIENT, password)
        patient_id = create_patient(
            session,
            actor,
            user_id,
            therapist_id,
            args.condition,
            Side(args.side),
            store_landmarks=args.store_landmarks,
        )
    print(f"created patient '{args.username}' (patient #{patient_id})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rehab.store.demo import build_demo, demo_exists, has_patients
    from rehab.store.engine import describe_url, open_database

    engine = open_database(args.url)
    if args.if_empty and has_patients(engine):
        print(f"{describe_url(engine.url)}: has patients already; no demo added")
        return 0
    if demo_exists(engine) and not args.replace:
        raise StoreError("a demo clinic already exists: use `rehab demo --replace`")
    print("building the demo clinic: simulated sessions through the counting engine ...")
    summary = build_demo(engine, weeks=args.weeks, replace=args.replace, seed=args.seed)
    print(f"{describe_url(engine.url)}: {summary}")
    return 0


def _admin(session: Any, username: str | None) -> Any:
    """The admin acting (password from REHAB_ADMIN_PASSWORD or a prompt); None to bootstrap."""
    from rehab.store.access import authenticate, require_role

    if username is None:
        return None
    password = os.environ.get(ENV_ADMIN_PASSWORD) or getpass.getpass(f"password for {username}: ")
    actor = authenticate(session, username, password)
    require_role(actor, Role.ADMIN)
    return actor


def _new_password(username: str) -> str:
    password = os.environ.get(ENV_NEW_PASSWORD)
    if password:
        return password
    first = getpass.getpass(f"new password for {username}: ")
    if first != getpass.getpass("again: "):
        raise StoreError("the two passwords differ")
    return first


def _url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=None,
        help="SQLAlchemy database URL (default: REHAB_DATABASE_URL, "
        "or rehab.db under REHAB_HOME / the per-user data folder)",
    )


def _admin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--admin",
        metavar="USERNAME",
        help=f"act as this admin (password from ${ENV_ADMIN_PASSWORD} or a prompt); "
        "leave out only to create the first admin",
    )


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="the database: migrate, show the schema revision")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="migrate the schema to the newest revision")
    _url_option(upgrade)
    upgrade.set_defaults(handler=cmd_db_upgrade)
    current = db_commands.add_parser("current", help="show the database's schema revision")
    _url_option(current)
    current.set_defaults(handler=cmd_db_current)

    user = commands.add_parser("user", help="user accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser(
        "add", help=f"create an admin or therapist (password from ${ENV_NEW_PASSWORD} or a prompt)"
    )
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", choices=[Role.ADMIN.value, Role.THERAPIST.value], required=True)
    _admin_option(add)
    _url_option(add)
    add.set_defaults(handler=cmd_user_add)

    patient = commands.add_parser("patient", help="patient records")
    patient_commands = patient.add_subparsers(
        dest="patient_command", required=True, metavar="ACTION"
    )
    padd = patient_commands.add_parser("add", help="create a patient account and record")
    padd.add_argument("username")
    padd.add_argument("--name", required=True, help="display name")
    padd.add_argument("--therapist", required=True, metavar="USERNAME")
    padd.add_argument("--condition", required=True)
    padd.add_argument("--side", choices=[s.value for s in Side], required=True)
    padd.add_argument(
        "--store-landmarks", action="store_true", help="the patient opts in to keeping poses"
    )
    _admin_option(padd)
    _url_option(padd)
    padd.set_defaults(handler=cmd_patient_add)

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
        help="only when the database has no patients yet (what `make run` uses)",
    )
    _url_option(demo)
    demo.set_defaults(handler=cmd_demo)
