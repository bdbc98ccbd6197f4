"""`rehab user deactivate|reactivate|reset-password USERNAME --admin ADMIN`: what an admin
does on the Users page, from the server's command line (each acts at once: a deactivated
user's or a reset user's sign-in sessions end)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from rehab.cli import database_url_option


def cmd_user_active(args: argparse.Namespace) -> int:
    from rehab.store.accounts import set_active, user_id_named
    from rehab.store.commands import admin_actor
    from rehab.store.startup import open_database

    db = open_database(args.url)
    admin = _required(admin_actor(db, args.admin))
    active = args.user_command == "reactivate"
    with db.transaction() as tx:
        set_active(tx, admin, user_id_named(tx, admin, args.username), active)
    print(f"{args.username}: {'reactivated' if active else 'deactivated (signed out everywhere)'}")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    from rehab.store.accounts import reset_password, user_id_named
    from rehab.store.commands import admin_actor, new_password
    from rehab.store.startup import open_database

    db = open_database(args.url)
    admin = _required(admin_actor(db, args.admin))
    password = new_password(args.username)
    with db.transaction() as tx:
        reset_password(tx, admin, user_id_named(tx, admin, args.username), password)
    print(f"{args.username}: new password set (signed out everywhere)")
    return 0


def _required(admin: Any) -> Any:
    from rehab.errors import StoreError

    if admin is None:
        raise StoreError("--admin USERNAME is required")
    return admin


def register_account_actions(
    user_commands: Any, admin_option: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Adds deactivate, reactivate and reset-password to `rehab user`."""
    for name, text in (
        ("deactivate", "end an account's access at once (its sessions end; data is kept)"),
        ("reactivate", "let a deactivated account sign in again"),
    ):
        action = user_commands.add_parser(name, help=text)
        action.add_argument("username")
        admin_option(action)
        database_url_option(action)
        action.set_defaults(handler=cmd_user_active)
    reset = user_commands.add_parser(
        "reset-password",
        help="set a new password (from $REHAB_NEW_PASSWORD or a prompt); lifts a sign-in lock",
    )
    reset.add_argument("username")
    admin_option(reset)
    database_url_option(reset)
    reset.set_defaults(handler=cmd_user_reset_password)
