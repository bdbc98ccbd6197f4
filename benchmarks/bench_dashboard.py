"""Dashboard benchmark: the patient list and one patient's progress page, rendered by
Streamlit's AppTest (the page script, every query, every plotly figure), on the store
benchmark's clinic (200 patients x 52 weeks x 3 sessions x 5 exercises x 3 sets x 10 reps).

The database is seeded by `benchmarks.bench_store.seed`; REHAB_BENCH_PATIENTS /
REHAB_BENCH_WEEKS shrink it, and REHAB_BENCH_DB=path keeps the seeded file (or reuses it,
as the store benchmark does). Goal (issue 5): each page renders in < 2 s. The first render
(engine opened, migrations checked, exercise library loaded) is shown apart from the warm
median of reruns. A browser adds its own drawing time on top (plotly.js, a few 100 ms).
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.bench_store import N_PATIENTS, N_WEEKS, PER_THERAPIST, seeded_database
from benchmarks.table import print_table
from rehab.dashboard.state import PATIENT_KEY, USER_KEY, SignedIn
from rehab.domain import Role
from rehab.store import Actor, connect
from rehab.store.testing import sql_session

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
PAGES = "rehab/dashboard/pages"
GOAL_S = 2.0
RUNS = 5


def _app(user: SignedIn, page: str, patient_id: int | None = None) -> Callable[[], object]:
    """A function that renders `page` as `user`: the first call builds the AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[USER_KEY] = user
    if patient_id is not None:
        at.session_state[PATIENT_KEY] = patient_id
    at.switch_page(f"{PAGES}/{page}.py")

    def render() -> object:
        at.run()
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        return at

    return render


def _timed(render: Callable[[], object]) -> tuple[float, float, float]:
    """First render, warm median wall and CPU seconds."""
    started = time.perf_counter()
    render()
    first = time.perf_counter() - started
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        render()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return first, statistics.median(walls), statistics.median(cpus)


AFTER_SIGN_IN_GOALS_S = {"patients": 1.5, "progress": 2.0}  # issue 13
BENCH_PASSWORD = "bench-password-1"


def _timed_run(step: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one script run (CPU: every thread of the process, the
    script's included)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def _signed_in_session(username: str) -> tuple[float, float, object]:
    """A visitor signs in: the sign-in page is drawn (the harness warms up), then the
    press of Sign in is timed: the password check and the first render of the role's
    start page (Patients), as a person waits for it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(BENCH_PASSWORD)
    wall, cpu = _timed_run(lambda: at.button[0].click().run())
    if at.exception or USER_KEY not in at.session_state:
        raise RuntimeError(f"sign-in as {username} failed: {[e.value for e in at.exception]}")
    return wall, cpu, at


def _progress_after(at: Any) -> tuple[float, float]:
    """The same session opens a patient's progress (its first render in the session)."""
    at.session_state[PATIENT_KEY] = 1
    at.switch_page(f"{PAGES}/progress.py")
    wall, cpu = _timed_run(at.run)
    if at.exception:
        raise RuntimeError(f"progress: {at.exception[0].value}")
    return wall, cpu


def measure_after_sign_in() -> list[tuple[str, float, float, float, str]]:
    """Median of three sign-ins each: Patients drawn after pressing Sign in (therapist: 20
    patients; admin: all), then the first patient's progress in that session."""
    _set_bench_passwords()
    timings: dict[str, list[tuple[float, float]]] = {}
    for username, label in (("therapist0", "therapist (20)"), ("admin", f"admin ({N_PATIENTS})")):
        for _ in range(3):
            wall, cpu, at = _signed_in_session(username)
            timings.setdefault(f"patients after sign-in: {label}", []).append((wall, cpu))
            if username == "therapist0":
                timings.setdefault(f"progress ({N_WEEKS} weeks), first in the session", []).append(
                    _progress_after(at)
                )
    rows = []
    for label, found in timings.items():
        wall = statistics.median(t[0] for t in found)
        cpu = statistics.median(t[1] for t in found)
        goal = AFTER_SIGN_IN_GOALS_S["progress" if label.startswith("progress") else "patients"]
        verdict = ("ok" if wall < goal else "SLOW") + f" (< {goal:g} s)"
        rows.append((label, wall, cpu, verdict))
    return rows


def _set_bench_passwords() -> None:
    """The seeded accounts get a real (cheap) password hash so that the bench can sign in."""
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from rehab.store.models import User

    hashed = PasswordHasher().hash(BENCH_PASSWORD)
    db = connect(os.environ["REHAB_DATABASE_URL"])
    with sql_session(db) as session:
        session.execute(
            update(User)
            .where(User.username.in_(("admin", "therapist0")))
            .values(password_hash=hashed)
        )
    db.dispose()


def measure() -> list[tuple[str, float, float, float, str]]:
    admin = SignedIn(Actor(1, Role.ADMIN), "admin", "Admin")
    therapist = SignedIn(Actor(2, Role.THERAPIST), "therapist0", "Therapist0")
    cases = [
        (f"patient list: admin, {N_PATIENTS} patients", _app(admin, "patients")),
        (f"patient list: therapist, {PER_THERAPIST} patients", _app(therapist, "patients")),
        (f"patient progress: {N_WEEKS} weeks", _app(therapist, "progress", patient_id=1)),
        ("session detail (150 reps)", _app(therapist, "session_detail", patient_id=1)),
    ]
    rows = []
    for label, render in cases:
        first, warm, cpu = _timed(render)
        verdict = ("ok" if warm < GOAL_S else "SLOW") + f" (< {GOAL_S:g} s)"
        rows.append((label, first, warm, cpu, verdict))
    return rows


def main() -> None:
    # AppTest outside `streamlit run`: Streamlit warns about a missing run context, harmlessly
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(
        logging.ERROR
    )
    with seeded_database("rehab-bench-dashboard-") as (url, _path):
        os.environ["REHAB_DATABASE_URL"] = url
        headers = ["page (AppTest, SQLite)", "first s", "warm s", "warm CPU s", "goal"]
        print_table(headers, measure())
        headers = ["after pressing Sign in (AppTest)", "wall s", "CPU s", "goal"]
        print_table(headers, measure_after_sign_in())


if __name__ == "__main__":
    main()
