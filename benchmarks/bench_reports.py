"""Report benchmark: a one-year report for one patient of the 200-patient benchmark clinic.

The database is seeded by `benchmarks.bench_store.seed` (200 patients x 52 weeks x 3 sessions
x 5 exercises x 3 sets x 10 reps); REHAB_BENCH_PATIENTS / REHAB_BENCH_WEEKS shrink it.
Times the whole `render_report` call (queries + model + layout) per format, the first call
(fonts and plotly.js loaded, caches cold) apart from the warm median. Goal: PDF < 2 s.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_store import N_PATIENTS, N_WEEKS, NOW, seed
from benchmarks.table import print_table
from rehab.reports import render_report
from rehab.store.access import Actor
from rehab.store.engine import create_db_engine, session_scope, upgrade_database
from rehab.store.models import Role

GOALS_S = {"pdf": 2.0}
RUNS = 3


def _render(engine: object, fmt: str) -> tuple[float, int]:
    since = NOW - dt.timedelta(weeks=N_WEEKS)
    started = time.perf_counter()
    with session_scope(engine) as session:  # type: ignore[arg-type]
        payload = render_report(
            session, Actor(2, Role.THERAPIST), 1, since, NOW, fmt, "Benchmark note."
        )
    return time.perf_counter() - started, len(payload)


def measure(engine: object) -> list[tuple[str, float, float, float, str]]:
    rows = []
    for fmt in ("pdf", "html", "csv"):
        first, size = _render(engine, fmt)
        warm = [_render(engine, fmt)[0] for _ in range(RUNS)]
        median = statistics.median(warm)
        goal = GOALS_S.get(fmt)
        verdict = "" if goal is None else ("ok" if median < goal else "SLOW") + f" (< {goal} s)"
        rows.append((fmt, first, median, size / 1e6, verdict))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rehab-bench-reports-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade_database(url)
        engine = create_db_engine(url)
        started = time.perf_counter()
        counts = seed(engine)
        print(
            f"seeded {N_PATIENTS} patients x {N_WEEKS} weeks ({counts['reps']:,} reps) in "
            f"{time.perf_counter() - started:.0f} s; report: patient #1, {N_WEEKS} weeks"
        )
        print_table(
            ["format (one year, one patient)", "first s", "warm median s", "MB", "goal"],
            measure(engine),
        )
        engine.dispose()


if __name__ == "__main__":
    main()
