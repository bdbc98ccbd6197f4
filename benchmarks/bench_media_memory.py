"""Peak memory of the media commands on the largest media they accept and on refused bombs.

Issue 12's budget: analysing any upload stays under 1.5 GB. Each command runs as its own
process (through tests/peak_rss.py, so the figure is the command's own peak RSS). The
dashboard's uploads are analysed by `rehab worker` (one child process per job): its rows
are the worker's peak RSS, its job process included (wait4 counts the children it waited
for), on the largest shared clip and on the largest accepted video. The
largest accepted video is VIDEO_LIMITS' biggest frame (4096 x 2304), long enough (6.5 s)
for the pipeline to split it between two threads, the way it is most memory-hungry.
"""

from __future__ import annotations

import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from benchmarks.table import print_table

BUDGET_MB = 1536


def main() -> None:
    from rehab.pose.media_limits import VIDEO_LIMITS
    from tests.cli_run import run_rehab
    from tests.hostile_media import write_h264, write_png

    frame = VIDEO_LIMITS.frame
    width, height = frame.max_side_px, frame.max_pixels // frame.max_side_px
    rows = []
    with tempfile.TemporaryDirectory(prefix="rehab-bench-") as name:
        folder = Path(name)
        biggest = write_h264(folder / "biggest.mp4", width, height, 65, Fraction(10))
        bomb = write_h264(folder / "bomb.mp4", 8192, 8192, 2)
        sliver = write_png(folder / "sliver.png", 2, 33_000)
        photo = write_png(folder / "photo.png", 7296, 5472)  # 39.9 megapixels
        cases = [
            ("annotate largest accepted photo", ["annotate", photo, "-o", folder / "p.png"]),
            ("annotate largest accepted video", ["annotate", biggest, "-o", folder / "a.mp4"]),
            ("analyze largest accepted video", ["analyze", biggest, "-e", "squat"]),
            ("annotate 8192x8192 H.264 (refused)", ["annotate", bomb, "-o", folder / "b.mp4"]),
            ("annotate 2x33000 PNG (refused)", ["annotate", sliver, "-o", folder / "c.png"]),
            ("exercises list (interpreter baseline)", ["exercises", "list"]),
        ]
        for label, args in cases:
            started = time.perf_counter()
            run = run_rehab(*args, timeout_s=1800)
            seconds = time.perf_counter() - started
            verdict = "ok" if run.peak_rss_mb < BUDGET_MB else "OVER BUDGET"
            rows.append((label, run.returncode, run.peak_rss_mb, seconds, verdict))
        rows += _worker_rows(folder, biggest)
    print(f"largest accepted video: {width} x {height}, 65 frames at 10 fps")
    print_table(("command", "exit", "peak RSS MB", "seconds", f"< {BUDGET_MB} MB"), rows)


if __name__ == "__main__":
    main()


def _largest_clip() -> Path | None:
    folder = Path(os.environ.get("REHAB_CLIPS_DIR", "/work/shared/data/videos"))
    clips = sorted(folder.glob("*.mp4"), key=lambda p: p.stat().st_size)
    return clips[-1] if clips else None


def _worker_rows(folder: Path, biggest: Path) -> list[tuple[str, int, float, float, str]]:
    """`rehab worker --once` analysing an upload queued as the dashboard queues it."""
    from rehab.domain import JobKind
    from rehab.jobs import files
    from rehab.store import actor_named, connect, enqueue_job, job_view, open_database
    from tests.cli_run import clinic_env, make_small_clinic, run_rehab

    home = folder / "home"
    home.mkdir()
    env = clinic_env(home)
    make_small_clinic(home)
    os.environ["REHAB_HOME"] = str(home)  # where files.new_upload keeps the uploads
    open_database(f"sqlite:///{home / 'rehab.db'}").dispose()
    db = connect(f"sqlite:///{home / 'rehab.db'}")
    clip = _largest_clip()
    uploads = [("worker: analyse largest accepted video", biggest, "squat")]
    if clip is not None:
        uploads.insert(0, (f"worker: analyse {clip.name}", clip, clip.name.split("__")[0]))
    rows = []
    for label, path, exercise_id in uploads:
        token = files.new_upload(path.name, path.read_bytes())
        with db.transaction() as tx:
            therapist = actor_named(tx, "ther")
            job_id = enqueue_job(tx, therapist, JobKind.ANALYSE_VIDEO, token, path.name,
                                 {"exercise_id": exercise_id, "side": None})  # fmt: skip
        started = time.perf_counter()
        run = run_rehab("worker", "--once", env=env, timeout_s=1800)
        seconds = time.perf_counter() - started
        verdict = "ok" if run.peak_rss_mb < BUDGET_MB else "OVER BUDGET"
        with db.read() as tx:
            job = job_view(tx, therapist, job_id)
        label += f" (job {job.status.value})"
        rows.append((label, run.returncode, run.peak_rss_mb, seconds, verdict))
    db.dispose()
    return rows
