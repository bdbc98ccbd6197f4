"""Run every benchmark module (or those named on the command line) and print their tables.

python -m benchmarks                # all
python -m benchmarks pose engine    # bench_pose.py and bench_engine.py only
python -m benchmarks --model heavy pose live   # the pose model the benchmarks run (lite,
                                               # full, heavy or a .task file; default full)
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time

import benchmarks


def _modules(selected: list[str]) -> list[str]:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name.startswith("bench_")
    )
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    return names


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--model", help="pose model: lite, full, heavy or a .task file")
    parser.add_argument("names", nargs="*", help="benchmark modules (default: all)")
    args = parser.parse_args()
    if args.model:
        os.environ["REHAB_BENCH_MODEL"] = args.model
    for name in _modules(args.names):
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
