"""Store benchmark: a clinic of 200 patients with a year of sessions each, on SQLite.

Seeds 200 patients x 52 weeks x 3 sessions x 5 exercises x 3 sets x 10 reps (4.7 M reps,
with check-ins and form issues), then times what the dashboard and the reports ask for:
the patient list (all 200 for an admin, 20 for one therapist), one patient's progress
queries over the year, a year's report data, one session's detail, and a live rep write.
Goals (issue 4): one patient's progress < 100 ms, the patient list < 500 ms.

REHAB_BENCH_PATIENTS / REHAB_BENCH_WEEKS shrink it for a quick look.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, insert

from benchmarks.table import print_table
from rehab.core.results import Side
from rehab.domain import Role
from rehab.store import (
    Actor,
    Database,
    SessionRecorder,
    Transaction,
    connect,
    queries,
    upgrade_database,
)
from rehab.store.models import (
    CheckIn,
    ExerciseSession,
    ExerciseSet,
    Patient,
    Prescription,
    PrescriptionItem,
    Rep,
    SetStats,
    User,
)
from rehab.store.rollup import STATS_COLUMNS, stats_select
from rehab.store.testing import make_rep, sql_engine

N_PATIENTS = int(os.environ.get("REHAB_BENCH_PATIENTS", "200"))
N_WEEKS = int(os.environ.get("REHAB_BENCH_WEEKS", "52"))
PER_THERAPIST = 20
EXERCISES = ("knee_extension", "squat", "straight_leg_raise", "heel_raise", "glute_bridge")
SETS, REPS, SESSION_DAYS = 3, 10, (0, 2, 4)
START = dt.datetime(2025, 11, 24, 8, 0, tzinfo=dt.UTC)  # a Monday
NOW = START + dt.timedelta(weeks=N_WEEKS)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$benchmark$notarealhash"  # never logged in


class Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]


def seed(engine: Engine) -> dict[str, int]:
    ids, rng = Ids(), random.Random(4)
    counts = {"sessions": 0, "reps": 0}
    with engine.begin() as c:
        c.execute(insert(User), [_user(ids, "admin", Role.ADMIN)])
        therapists = [
            _user(ids, f"therapist{n}", Role.THERAPIST)
            for n in range(max(1, N_PATIENTS // PER_THERAPIST))
        ]
        c.execute(insert(User), therapists)
    for n in range(N_PATIENTS):
        with engine.begin() as c:
            therapist = therapists[n % len(therapists)]["id"]
            done = _seed_patient(c, ids, rng, n, therapist)
        counts["sessions"] += done[0]
        counts["reps"] += done[1]
    return counts


def _user(ids: Ids, username: str, role: Role) -> dict[str, object]:
    return {
        "id": ids("users"),
        "username": username,
        "display_name": username.title(),
        "role": role.value,
        "password_hash": HASH,
        "is_active": True,
        "is_demo": False,
        "created_at": START,
    }


def _seed_patient(
    c: Connection, ids: Ids, rng: random.Random, n: int, therapist: int
) -> tuple[int, int]:
    user = _user(ids, f"patient{n}", Role.PATIENT)
    c.execute(insert(User), [user])
    patient_id = ids("patients")
    c.execute(
        insert(Patient),
        [
            {
                "id": patient_id,
                "user_id": user["id"],
                "therapist_id": therapist,
                "condition": "knee",
                "affected_side": "left",
                "notes": "",
                "store_landmarks": False,
                "is_demo": False,
                "created_at": START,
            }
        ],
    )
    prescription_id = ids("prescriptions")
    c.execute(
        insert(Prescription),
        [
            {
                "id": prescription_id,
                "patient_id": patient_id,
                "prescribed_by_id": therapist,
                "title": "Knee program",
                "sessions_per_week": 3,
                "start_date": START.date(),
                "end_date": None,
                "notes": "",
                "created_at": START,
            }
        ],
    )
    items = [ids("prescription_items") for _ in EXERCISES]
    c.execute(
        insert(PrescriptionItem),
        [
            {
                "id": item,
                "prescription_id": prescription_id,
                "position": k,
                "exercise_id": ex,
                "sets": SETS,
                "reps": REPS,
                "hold_s": None,
                "target_rom_deg": 90.0,
                "side": "left",
                "notes_for_patient": "",
            }
            for k, (item, ex) in enumerate(zip(items, EXERCISES, strict=True))
        ],
    )
    sessions, sets, reps, issues, checks = [], [], [], [], []
    for week in range(N_WEEKS):
        for day in SESSION_DAYS:
            started = START + dt.timedelta(weeks=week, days=day, minutes=rng.randint(0, 600))
            session_id = ids("exercise_sessions")
            sessions.append(
                {
                    "id": session_id,
                    "patient_id": patient_id,
                    "prescription_id": prescription_id,
                    "started_at": started,
                    "ended_at": started + dt.timedelta(minutes=25),
                    "last_activity_at": started + dt.timedelta(minutes=25),
                    "owner": None,
                    "source": "live",
                    "status": "completed",
                    "notes": "",
                }
            )
            pain = max(0, min(10, 4 - week // 13 + rng.randint(-1, 1)))
            checks.append(
                {
                    "id": ids("check_ins"),
                    "patient_id": patient_id,
                    "session_id": session_id,
                    "recorded_at": started,
                    "pain_before": pain,
                    "pain_after": pain,
                    "effort_rpe": rng.randint(3, 7),
                    "comment": "",
                }
            )
            base_rom = 50.0 + 40.0 * week / max(1, N_WEEKS)
            for item, exercise in zip(items, EXERCISES, strict=True):
                for set_index in range(1, SETS + 1):
                    set_id = ids("exercise_sets")
                    sets.append(
                        {
                            "id": set_id,
                            "session_id": session_id,
                            "prescription_item_id": item,
                            "exercise_id": exercise,
                            "set_index": set_index,
                            "side": "left",
                            "started_at": started,
                            "ended_at": started,
                            "extra": {},
                            "warnings": [],
                        }
                    )
                    for rep in range(1, REPS + 1):
                        rep_id = ids("reps")
                        rom = base_rom + rng.gauss(0, 4)
                        t = 3000.0 * rep
                        reps.append(
                            {
                                "id": rep_id,
                                "set_id": set_id,
                                "exercise_id": exercise,
                                "side": "left",
                                "rep_index": rep,
                                "start_ms": t,
                                "peak_ms": t + 1200,
                                "end_ms": t + 2600,
                                "peak_angle_deg": 90 + rom,
                                "min_angle_deg": 90.0,
                                "max_angle_deg": 90 + rom,
                                "rom_deg": rom,
                                "concentric_s": 1.2,
                                "eccentric_s": 1.4,
                                "hold_s": 0.2,
                                "complete": True,
                                "confidence": 0.9,
                                "recorded_at": started,
                            }
                        )
                        if rng.random() < 0.1:
                            issues.append(
                                {
                                    "id": ids("form_issues"),
                                    "set_id": set_id,
                                    "rep_id": rep_id,
                                    "hold_id": None,
                                    "rule_id": "trunk_lean",
                                    "cue": "Keep your back straight",
                                    "severity": "warning",
                                    "t_ms": t + 500,
                                }
                            )
    for model, rows in ((ExerciseSession, sessions), (CheckIn, checks), (ExerciseSet, sets)):
        c.execute(insert(model), rows)
    _insert_raw(c, "reps", reps)
    _insert_raw(c, "form_issues", issues)
    first, last = sets[0]["id"], sets[-1]["id"]
    c.execute(
        insert(SetStats).from_select(
            STATS_COLUMNS, stats_select().where(Rep.set_id.between(first, last))
        )
    )
    return len(sessions), len(reps)


def _insert_raw(c: Connection, table: str, rows: list[dict[str, object]]) -> None:
    """Plain DBAPI executemany for the big tables (times as SQLAlchemy's SQLite strings)."""
    if not rows:
        return
    names = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    c.exec_driver_sql(sql, [tuple(_raw(row[n]) for n in names) for row in rows])


def _raw(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def timed(work: Callable[[], object], runs: int = 7) -> tuple[float, float, float]:
    """Median and best wall time and median CPU time (ms) of `runs` calls, after a warm-up.

    CPU time is this process's own work (SQLite runs in-process): on a loaded, shared
    machine it stays put while the wall time grows; the gap is waiting (CPU, fsync)."""
    work()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def in_session(
    db: Database, call: Callable[..., object], *args: object, **kw: object
) -> Callable[[], object]:
    def work() -> object:
        with db.transaction() as tx:
            return call(tx, *args, **kw)

    return work


def progress(s: Transaction, actor: Actor, patient_id: int) -> None:
    """What the patient page asks for: every progress query over the year."""
    since = NOW - dt.timedelta(weeks=N_WEEKS)
    for query in (
        queries.rom_progress,
        queries.volume_progress,
        queries.form_issues_over_time,
        queries.pain_and_effort,
        queries.weekly_adherence,
        queries.list_sessions,
    ):
        query(s, actor, patient_id, since=since, until=NOW)  # type: ignore[operator]
    queries.patient_alerts(s, actor, patient_id, now=NOW)


def measure(db: Database) -> list[tuple[str, float, float, float, str]]:
    admin, therapist = Actor(1, Role.ADMIN), Actor(2, Role.THERAPIST)
    patient_id, year_ago = 1, NOW - dt.timedelta(weeks=N_WEEKS)
    rows = []
    checks = [
        (
            "patient list: admin, all patients",
            in_session(db, queries.list_patients, admin, now=NOW),
            500,
        ),
        (
            f"patient list: therapist, {PER_THERAPIST} patients",
            in_session(db, queries.list_patients, therapist, now=NOW),
            500,
        ),
        (
            "one patient's progress (7 queries, a year)",
            in_session(db, progress, therapist, patient_id),
            100,
        ),
        (
            "  rom_progress, a year",
            in_session(db, queries.rom_progress, therapist, patient_id),
            None,
        ),
        (
            "  volume_progress, a year",
            in_session(db, queries.volume_progress, therapist, patient_id),
            None,
        ),
        (
            "  patient_alerts",
            in_session(db, queries.patient_alerts, therapist, patient_id, now=NOW),
            None,
        ),
        (
            "report data, a year",
            in_session(db, queries.report_data, therapist, patient_id, year_ago, NOW, now=NOW),
            None,
        ),
        (
            "session detail (150 reps)",
            in_session(db, queries.session_detail, therapist, 1),
            None,
        ),
    ]
    for label, work, goal in checks:
        median, best, cpu = timed(work)
        verdict = "" if goal is None else ("ok" if median < goal else "SLOW") + f" (< {goal} ms)"
        rows.append((label, median, best, cpu, verdict))
    recorder = SessionRecorder.start(db, therapist, patient_id, clock=lambda: NOW)
    recorder.begin_set("knee_extension", Side.LEFT)
    counter = iter(range(1, 10_000))
    median, best, cpu = timed(lambda: recorder.record_rep(make_rep(next(counter))), runs=30)
    rows.append(("live: commit one rep (synchronous=FULL)", median, best, cpu, ""))
    recorder.finish()
    return rows


@contextmanager
def seeded_database(prefix: str) -> Iterator[tuple[str, Path]]:
    """(url, path) of the benchmark clinic's SQLite file, upgraded and seeded. With
    REHAB_BENCH_DB=path the file is kept, and reused by the next benchmark that finds it
    (seeding takes minutes); otherwise it lives in a temporary folder."""
    keep = os.environ.get("REHAB_BENCH_DB")
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = Path(keep) if keep else Path(folder) / "bench.db"
        url = f"sqlite:///{path}"
        reuse = path.is_file()
        upgrade_database(url)
        if reuse:
            print(f"reusing the seeded database {path}")
        else:
            db = connect(url)
            started = time.perf_counter()
            counts = seed(sql_engine(db))
            db.dispose()
            print(
                f"seeded {N_PATIENTS} patients x {N_WEEKS} weeks: {counts['sessions']:,} "
                f"sessions, {counts['reps']:,} reps in {time.perf_counter() - started:.0f} s"
            )
        yield url, path


def main() -> None:
    with seeded_database("rehab-bench-") as (url, path):
        db = connect(url)
        with sql_engine(db).connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"SQLite file: {path.stat().st_size / 1e6:,.0f} MB (indexes included)")
        headers = ["query (SQLite, warm)", "median ms", "best ms", "cpu ms", "goal"]
        print_table(headers, measure(db))
        db.dispose()


if __name__ == "__main__":
    main()
