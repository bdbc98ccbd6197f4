"""`rehab report`: a patient's progress report as PDF, HTML or a zip of CSV tables.

The acting user is `--as USERNAME` (default: the first active admin). The access rules of
the store apply to that user (a therapist only gets their own patients) and the audit log
records them. No password is asked: whoever runs the CLI already holds the database URL or
file, which gives them the data anyway; the dashboard is where people sign in.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehab.argtypes import record_id
from rehab.cli import database_url_option
from rehab.errors import InputError, NotFound
from rehab.outputs import Protected, check_output, write_bytes_atomically

if TYPE_CHECKING:
    from rehab.store import Actor, Transaction

DEFAULT_DAYS = 90


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from exc


def report_days(
    first: dt.date | None, last: dt.date | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The inclusive days of the report: --to defaults to today, --from to 90 days before it."""
    last_day = last or today
    first_day = first or last_day - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first_day > last_day:
        raise InputError(f"--from {first_day} is after --to {last_day}")
    return first_day, last_day


def infer_format(output: Path, given: str | None) -> str:
    if given is not None:
        return given
    by_suffix = {".pdf": "pdf", ".html": "html", ".htm": "html", ".zip": "csv"}
    found = by_suffix.get(output.suffix.lower())
    if found is None:
        raise InputError(f"{output}: say --format pdf, html or csv (cannot tell from the name)")
    return found


def acting_user(tx: Transaction, username: str | None) -> Actor:
    """The Actor for `--as USERNAME`, or the first active admin when none is given."""
    from rehab.store import actor_named, first_admin

    if username is not None:
        try:
            return actor_named(tx, username)
        except NotFound:
            raise NotFound(f"--as {username}: no such user") from None
    admin = first_admin(tx)
    if admin is None:
        raise NotFound("no active admin in the database: pass --as USERNAME")
    return admin


def cmd_report(args: argparse.Namespace) -> int:
    from rehab.clinic_time import today
    from rehab.reports.render import make_report, period_for_days
    from rehab.store import clinic_settings, open_database

    output = Path(args.output)
    fmt = infer_format(output, args.format)
    note = _note(args)
    note_file = [Protected("the note file", Path(args.note_file))] if args.note_file else []
    check_output(output, note_file, database_url=args.url)
    db = open_database(args.url)
    try:
        with db.transaction() as tx:
            actor = acting_user(tx, args.acting_user)
            zone = clinic_settings(tx).zone  # the report's days are the clinic's
        first_day, last_day = report_days(args.date_from, args.date_to, today(zone))
        since, until = period_for_days(first_day, last_day, zone)
        payload = make_report(db, actor, args.patient, since, until, fmt, note, args.pseudonymise)
    finally:
        db.dispose()
    write_bytes_atomically(output, payload)
    print(f"wrote {output} ({fmt}, {first_day} to {last_day}, {len(payload):,} bytes)")
    return 0


def _note(args: argparse.Namespace) -> str | None:
    if args.note_file is None:
        return str(args.note) if args.note is not None else None
    try:
        return Path(args.note_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--note-file {args.note_file}: cannot read it ({exc})") from exc


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="a patient's progress report (PDF, HTML or a zip of CSV tables)"
    )
    report.add_argument("--patient", type=record_id, required=True, metavar="ID", help="patient id")
    report.add_argument(
        "--from", dest="date_from", type=_date, metavar="DATE", help="first day (YYYY-MM-DD)"
    )
    report.add_argument(
        "--to",
        dest="date_to",
        type=_date,
        metavar="DATE",
        help="last day, included (default today)",
    )
    report.add_argument(
        "--format", choices=["pdf", "html", "csv"], help="default: from the file name's extension"
    )
    report.add_argument("-o", "--output", required=True, metavar="PATH")
    notes = report.add_mutually_exclusive_group()
    notes.add_argument("--note", metavar="TEXT", help="the therapist's note, printed in the report")
    notes.add_argument("--note-file", metavar="PATH", help="read the note from a UTF-8 text file")
    report.add_argument(
        "--pseudonymise",
        action="store_true",
        help="a pseudonymous id instead of the name; patients' free-text comments left out",
    )
    report.add_argument(
        "--as",
        dest="acting_user",
        metavar="USERNAME",
        help="act as this user (access rules apply; default: the first active admin)",
    )
    database_url_option(report)
    report.set_defaults(handler=cmd_report)
