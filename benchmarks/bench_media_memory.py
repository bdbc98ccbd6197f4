"""Peak memory of the media commands on the largest media they accept and on refused bombs.

Issue 12's budget: analysing any upload stays under 1.5 GB. Each command runs as its own
process (through tests/peak_rss.py, so the figure is the command's own peak RSS). The
largest accepted video is VIDEO_LIMITS' biggest frame (4096 x 2304), long enough (6.5 s)
for the pipeline to split it between two threads, the way it is most memory-hungry.
"""

from __future__ import annotations

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
    print(f"largest accepted video: {width} x {height}, 65 frames at 10 fps")
    print_table(("command", "exit", "peak RSS MB", "seconds", f"< {BUDGET_MB} MB"), rows)


if __name__ == "__main__":
    main()
