"""A second process for the store tests: records a live session rep by rep.

python tests/store_writer_process.py URL USER_ID ROLE PATIENT_ID N_REPS PAUSE_S [--hang]

Prints "rep N" after each rep is committed; with --hang it then waits to be killed (the test
kills it with SIGKILL: no clean-up runs, like a crashed browser tab's server process).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rehab.core.results import RepResult, Side
from rehab.domain import Role
from rehab.store import Actor, Database, SessionRecorder, connect
from rehab.store.testing import full_url


def command(
    db: Database, actor: Actor, patient_id: int, n_reps: int, *, hang: bool = False
) -> list[str]:
    """The command line that runs this writer on `db` (no pause between reps)."""
    args = [full_url(db), str(actor.user_id), actor.role.value, str(patient_id), str(n_reps)]
    return [sys.executable, str(Path(__file__)), *args, "0", *(["--hang"] if hang else [])]


def rep(index: int) -> RepResult:
    return RepResult(
        exercise_id="knee_extension",
        side=Side.LEFT,
        index=index,
        start_ms=2000.0 * index,
        peak_ms=2000.0 * index + 900,
        end_ms=2000.0 * index + 1800,
        peak_angle_deg=165.0,
        min_angle_deg=90.0,
        max_angle_deg=165.0,
        rom_deg=75.0,
        concentric_s=0.9,
        eccentric_s=0.9,
        hold_s=0.1,
        complete=True,
        confidence=0.9,
    )


def main(argv: list[str]) -> int:
    url, user_id, role, patient_id, n_reps, pause_s = argv[:6]
    db = connect(url)
    actor = Actor(int(user_id), Role(role))
    recorder = SessionRecorder.start(db, actor, int(patient_id))
    print(f"session {recorder.session_id}", flush=True)
    recorder.begin_set("knee_extension", Side.LEFT)
    for index in range(1, int(n_reps) + 1):
        recorder.record_rep(rep(index))
        print(f"rep {index}", flush=True)
        time.sleep(float(pause_s))
    if "--hang" in argv:
        time.sleep(3600)
    recorder.end_set()
    recorder.finish()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
