"""`rehab db ...`, `rehab user add` and `rehab patient add` (`rehab demo`: rehab.demo_clinic)."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from rehab.cli import database_url_option
from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import NotFound, StoreError
from rehab.store.access import Actor
from rehab.store.account_commands import register_account_actions
from rehab.store.database import Database

ENV_NEW_PASSWORD = "REHAB_NEW_PASSWORD"
ENV_ADMIN_PASSWORD = "REHAB_ADMIN_PASSWORD"


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from rehab.store.database import create_db_engine, database_url, describe_url, engine_of
    from rehab.store.migrate import current_revision
    from rehab.store.startup import open_database

    url = args.url or database_url()
    before = current_revision(create_db_engine(url))
    after = current_revision(engine_of(open_database(url)))
    if before == after:
        print(f"{describe_url(url)}: already at revision {after}")
    else:
        print(f"{describe_url(url)}: upgraded {before or 'empty'} -> {after}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from rehab.store.database import create_db_engine, database_url, describe_url
    from rehab.store.migrate import current_revision, head_revision

    url = args.url or database_url()
    current, head = current_revision(create_db_engine(url)), head_revision()
    state = (
        "up to date" if current == head else f"behind (newest is {head}): run `rehab db upgrade`"
    )
    print(f"{describe_url(url)}: revision {current or 'none (empty)'}, {state}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from rehab.store.accounts import create_user
    from rehab.store.startup import open_database

    db = open_database(args.url)
    actor = admin_actor(db, args.admin)
    password = _new_password(args.username)
    with db.transaction() as tx:
        user_id = create_user(tx, actor, args.username, args.name, Role(args.role), password)
    print(f"created {args.role} '{args.username}' (user #{user_id})")
    return 0


def cmd_patient_add(args: argparse.Namespace) -> int:
    from rehab.store.accounts import actor_named, create_user
    from rehab.store.clinic import create_patient
    from rehab.store.startup import open_database

    db = open_database(args.url)
    actor = admin_actor(db, args.admin)
    password = _new_password(args.username)
    with db.transaction() as tx:
        try:
            therapist_id = actor_named(tx, args.therapist).user_id
        except NotFound:
            raise StoreError(f"no therapist with username '{args.therapist}'") from None
        user_id = create_user(tx, actor, args.username, args.name, Role.PATIENT, password)
        assert actor is not None  # create_user refuses a patient account without an admin
        patient_id = create_patient(
            tx,
            actor,
            user_id,
            therapist_id,
            args.condition,
            Side(args.side),
            store_landmarks=args.store_landmarks,
        )
    print(f"created patient '{args.username}' (patient #{patient_id})")
    return 0


def admin_actor(db: Database, username: str | None) -> Actor | None:
    """The admin acting (password from REHAB_ADMIN_PASSWORD or a prompt), signed in through
    the throttle like the dashboard (client "cli"); None to bootstrap the first admin."""
    from rehab.store.access import require_role
    from rehab.store.sign_in_throttle import sign_in

    if username is None:
        return None
    password = os.environ.get(ENV_ADMIN_PASSWORD) or getpass.getpass(f"password for {username}: ")
    actor = sign_in(db, username, password, "cli")
    require_role(actor, Role.ADMIN)
    return actor


def new_password(username: str) -> str:
    """A new password from REHAB_NEW_PASSWORD, or asked twice (the store checks the rules)."""
    return _new_password(username)


def _new_password(username: str) -> str:
    password = os.environ.get(ENV_NEW_PASSWORD)
    if password:
        return password
    first = getpass.getpass(f"new password for {username}: ")
    if first != getpass.getpass("again: "):
        raise StoreError("the two passwords differ")
    return first


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
    database_url_option(upgrade)
    upgrade.set_defaults(handler=cmd_db_upgrade)
    current = db_commands.add_parser("current", help="show the database's schema revision")
    database_url_option(current)
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
    database_url_option(add)
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
    database_url_option(padd)
    padd.set_defaults(handler=cmd_patient_add)
    register_account_actions(user_commands, _admin_option)
