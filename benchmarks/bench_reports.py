"""Report benchmark: a one-year report for one patient of the 200-patient benchmark clinic.

The database is seeded by `benchmarks.bench_store.seed` (200 patients x 52 weeks x 3 sessions
x 5 exercises x 3 sets x 10 reps); REHAB_BENCH_PATIENTS / REHAB_BENCH_WEEKS shrink it, and
REHAB_BENCH_DB=path keeps the seeded file (or reuses it, as the store benchmark does).
Times the whole `render_report` call (queries + model + layout) per format, the first call
(fonts and plotly.js loaded, caches cold) apart from the warm median. Goal: PDF < 2 s.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from benchmarks.bench_store import N_WEEKS, NOW, seeded_database
from benchmarks.table import print_table
from rehab.domain import Role
from rehab.reports import render_report
from rehab.store import Actor, Database, connect

GOALS_S = {"pdf": 2.0}
RUNS = 3


def _render(db: Database, fmt: str) -> tuple[float, float, int]:
    """Wall and CPU seconds of one report, and its size in bytes."""
    since = NOW - dt.timedelta(weeks=N_WEEKS)
    wall, cpu = time.perf_counter(), time.process_time()
    with db.transaction() as tx:
        payload = render_report(tx, Actor(2, Role.THERAPIST), 1, since, NOW, fmt, "Benchmark note.")
    return time.perf_counter() - wall, time.process_time() - cpu, len(payload)


def measure(db: Database) -> list[tuple[str, float, float, float, float, str]]:
    """Per format: first call, warm median wall and CPU (CPU time is steadier on a shared
    machine; the database's own work in SQLite counts as this process's CPU)."""
    rows = []
    for fmt in ("pdf", "html", "csv"):
        first, _, size = _render(db, fmt)
        warm = [_render(db, fmt) for _ in range(RUNS)]
        wall = statistics.median(w for w, _, _ in warm)
        cpu = statistics.median(c for _, c, _ in warm)
        goal = GOALS_S.get(fmt)
        verdict = "" if goal is None else ("ok" if wall < goal else "SLOW") + f" (< {goal} s)"
        rows.append((fmt, first, wall, cpu, size / 1e6, verdict))
    return rows


def main() -> None:
    with seeded_database("rehab-bench-reports-") as (url, _path):
        db = connect(url)
        print(f"report: patient #1, {N_WEEKS} weeks")
        print_table(
            ["format (one year, one patient)", "first s", "warm s", "warm CPU s", "MB", "goal"],
            measure(db),
        )
        db.dispose()


if __name__ == "__main__":
    main()
