"""Run every benchmark module (or those named on the command line) and print their tables.

python -m benchmarks                # all
python -m benchmarks pose engine    # bench_pose.py and bench_engine.py only
"""

from __future__ import annotations

import importlib
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
    for name in _modules(sys.argv[1:]):
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
