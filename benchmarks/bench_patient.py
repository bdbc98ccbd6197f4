"""Patient-side benchmark: drawing demonstrations (scene, GIF, stills) and printing a handout.

A page shows a demonstration from the disk cache (`rehab.demos.cache`); these are the costs
of drawing one when the cache has none, and of a three-exercise handout with stills.
"""

from __future__ import annotations

import statistics
import time

from benchmarks.table import print_table
from rehab.demos.output import gif_bytes, stills
from rehab.demos.scene import build_scene
from rehab.exercise_library import load_library
from rehab.handout.render import render_handout
from tests.handout_fixture import sample_handout

EXERCISES = ("squat", "hip_abduction", "glute_bridge", "plank")


def _seconds(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    library = load_library()
    rows = []
    for exercise_id in EXERCISES:
        exercise = library.get(exercise_id)
        scene_s = _seconds(lambda e=exercise: build_scene(e))
        scene = build_scene(exercise)
        gif_s = _seconds(lambda s=scene: gif_bytes(s))
        stills_s = _seconds(lambda s=scene: stills(s))
        rows.append((exercise_id, len(scene.frames), scene_s, gif_s, stills_s))
    print_table(("exercise", "frames", "scene s", "GIF s", "stills s"), rows)
    handout = sample_handout("en")
    runs = [_seconds(lambda: render_handout(handout)) for _ in range(3)]
    print_table(("handout", "median s"), [("3 exercises, stills", statistics.median(runs))])
