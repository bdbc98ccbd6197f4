"""What a report reads from the store: `report_data`, with every rep and hold of the period
when the report has per-rep tables (the CSV zip).

`report_data` (rehab.store.queries) checks the actor's access, writes one audit entry and
reads the rows in the same transaction, only after that check passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rehab.store import Actor, Transaction
from rehab.store.queries import HoldRow, ReportData, RepRow, report_data


@dataclass(frozen=True)
class ReportInputs:
    data: ReportData
    reps: tuple[RepRow, ...]
    holds: tuple[HoldRow, ...]


def load_report_inputs(
    tx: Transaction,
    actor: Actor,
    patient_id: int,
    since: dt.datetime,
    until: dt.datetime,
    *,
    with_rows: bool,
) -> ReportInputs:
    """report_data (access checked, audited) and, when `with_rows`, the reps and holds."""
    data = report_data(tx, actor, patient_id, since, until, now=until, with_rows=with_rows)
    return ReportInputs(data, data.reps, data.holds)
