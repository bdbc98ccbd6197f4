"""`rehab handout --patient ID -o handout.pdf`: a patient's printable home program.

Read through the store as the acting user (`--as USERNAME`, default the first active admin;
the access rules apply and the audit log records it), in the patient's language unless
`--language` says otherwise. The PDF is written to a temporary file beside the output and
renamed. Every error is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehab.cli import database_url_option
from rehab.core.exercise_text import LANGUAGES
from rehab.errors import InputError

if TYPE_CHECKING:
    from rehab.core.exercise import Exercise


def cmd_handout(args: argparse.Namespace) -> int:
    from rehab.clinic_time import today as clinic_today
    from rehab.exercise_library import UnknownExerciseError, load_library
    from rehab.outputs import check_output, write_bytes_atomically
    from rehab.patient.printouts import handout_pdf
    from rehab.reports.commands import acting_user
    from rehab.store import clinic_settings, open_database
    from rehab.store.queries import patient_home

    output = Path(args.output)
    if output.suffix.lower() != ".pdf":
        raise InputError(f"{output}: the handout is a PDF: give a file name ending in .pdf")
    check_output(output, database_url=args.url)
    library = load_library(Path(args.library) if args.library else None)
    db = open_database(args.url)
    try:
        with db.read() as tx:
            actor = acting_user(tx, args.acting_user)
            today = clinic_today(clinic_settings(tx).zone)  # the clinic's day
            home = patient_home(tx, actor, args.patient, today, since=today)
    finally:
        db.dispose()

    def exercise(exercise_id: str) -> Exercise | None:
        try:
            return library.get(exercise_id)
        except UnknownExerciseError:
            return None

    payload = handout_pdf(home, exercise, today, args.language)
    write_bytes_atomically(output, payload)
    print(f"wrote {output} ({len(payload):,} bytes)")
    return 0


def register(commands: Any) -> None:
    handout = commands.add_parser(
        "handout", help="a patient's printable home exercise program (A4 PDF)"
    )
    handout.add_argument("--patient", type=int, required=True, metavar="ID", help="patient id")
    handout.add_argument("-o", "--output", required=True, metavar="PATH", help="a .pdf file")
    handout.add_argument(
        "--language", choices=LANGUAGES, help="default: the patient's own language"
    )
    handout.add_argument(
        "--library",
        default=os.environ.get("REHAB_EXERCISES_DIR") or None,
        metavar="DIR",
        help="exercise definitions (default: REHAB_EXERCISES_DIR or the bundled exercises/)",
    )
    handout.add_argument(
        "--as",
        dest="acting_user",
        metavar="USERNAME",
        help="act as this user (access rules apply; default: the first active admin)",
    )
    database_url_option(handout)
    handout.set_defaults(handler=cmd_handout)
