"""Malformed inputs of every kind, fed to every command as a user would (a subprocess each).

What must hold for each: exit code 2 (1 for `exercises validate`, whose job is to say a
file is invalid), exactly one line on stderr starting `rehab: error:`, no traceback,
nothing on stdout, no output file and no temporary file left, no password shown.
Then a mutation fuzz (hypothesis): valid files with bytes flipped, cut or inserted; any
outcome is fine except a crash, a traceback, an internal error (exit 1), or a failure
that says more than one line or leaves a file behind.

    REHAB_FUZZ_EXAMPLES=50 REHAB_FUZZ_RANDOM=1 pytest tests/test_cli_fuzz.py   # a longer run
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import fuzz_inputs as bad
from tests.cli_run import CliRun, clinic_env, run_rehab
from tests.hostile_media import png_bytes

SECRET = "Sup3rSecretPassw0rd"
UNREACHABLE = f"postgresql+psycopg://clinic:{SECRET}@127.0.0.1:9/rehab"
Args = Callable[[dict[str, Path], Path], Sequence[str | Path]]


@dataclass(frozen=True)
class Case:
    name: str
    args: Args  # (inputs by name, output folder) -> the command line
    code: int = 2


def inputs_of(folder: Path) -> dict[str, Path]:
    made = {
        "empty.png": bad.empty(folder, "empty.png"),
        "random.png": bad.random_bytes(folder, "random.png"),
        "truncated.png": bad.truncated_png(folder),
        "sliver.png": bad.sliver_png(folder),
        "text.mp4": bad.text_as(folder, "text.mp4"),
        "random.mp4": bad.random_bytes(folder, "random.mp4", seed=2),
        "cut.mp4": bad.video_without_its_index(folder),
        "audio.mp4": bad.audio_only(folder),
        "wide.mp4": bad.oversized_video(folder),
        "long.mp4": bad.long_video(folder),
        "empty.npz": bad.empty(folder, "empty.npz"),
        "random.npz": bad.random_bytes(folder, "random.npz", seed=3),
        "notes.db": bad.not_a_database(folder),
        "cut.db": bad.truncated_sqlite(folder),
        "latin1.txt": folder / "latin1.txt",
        "readme.txt": bad.text_as(folder, "readme.txt"),
    }
    made["latin1.txt"].write_bytes("Café notes \xe9".encode("latin-1"))
    for name, make in bad.NPZ_CASES.items():
        made[name] = make(folder)
    yaml_folder = folder / "yaml"
    yaml_folder.mkdir()
    made |= bad.write_yaml_cases(yaml_folder)
    made["yaml folder"] = yaml_folder
    return made


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


CASES = [
    # images
    Case("annotate empty image", lambda i, o: ["annotate", i["empty.png"], "-o", o / "a.png"]),
    Case("annotate random bytes", lambda i, o: ["annotate", i["random.png"], "-o", o / "a.png"]),
    Case(
        "annotate truncated PNG", lambda i, o: ["annotate", i["truncated.png"], "-o", o / "a.png"]
    ),
    Case(
        "annotate 2x33000 PNG",
        lambda i, o: ["annotate", i["sliver.png"], "-o", o / "a.png", "--json"],
    ),
    Case(
        "annotate to an unknown format",
        lambda i, o: ["annotate", i["sliver.png"], "-o", o / "a.gif"],
    ),
    # videos
    Case("annotate text named .mp4", lambda i, o: ["annotate", i["text.mp4"], "-o", o / "a.mp4"]),
    Case("landmarks random bytes", lambda i, o: ["landmarks", i["random.mp4"], "-o", o / "s.npz"]),
    Case(
        "landmarks MP4 without index", lambda i, o: ["landmarks", i["cut.mp4"], "-o", o / "s.npz"]
    ),
    Case("landmarks audio only", lambda i, o: ["landmarks", i["audio.mp4"], "-o", o / "s.npz"]),
    Case("annotate over-wide video", lambda i, o: ["annotate", i["wide.mp4"], "-o", o / "a.mp4"]),
    Case("analyze 800 s video", lambda i, o: ["analyze", i["long.mp4"], "-e", "squat"]),
    # landmark files
    *[
        Case(f"analyze {name}", lambda i, o, n=name: ["analyze", i[n], "-e", "biceps_curl"])
        for name in ["empty.npz", "random.npz", *bad.NPZ_CASES]
    ],
    # exercise files
    *[
        Case(f"validate {name}", lambda i, o, n=name: ["exercises", "validate", i[n]], code=1)
        for name in bad.YAML_CASES
    ],
    Case(
        "show from a broken library",
        lambda i, o: ["exercises", "show", "fuzz_curl", "--library", i["yaml folder"]],
    ),
    Case(
        "list a library that is a file",
        lambda i, o: ["exercises", "list", "--library", i["readme.txt"]],
    ),
    # databases
    Case(
        "db current on a text file", lambda i, o: ["db", "current", "--url", _sqlite(i["notes.db"])]
    ),
    Case(
        "db upgrade on a cut SQLite file",
        lambda i, o: ["db", "upgrade", "--url", _sqlite(i["cut.db"])],
    ),
    Case(
        "db upgrade on an unreachable server", lambda i, o: ["db", "upgrade", "--url", UNREACHABLE]
    ),
    Case(
        "db current on a folder", lambda i, o: ["db", "current", "--url", _sqlite(i["yaml folder"])]
    ),
    Case(
        "worker on a text file", lambda i, o: ["worker", "--once", "--url", _sqlite(i["notes.db"])]
    ),
    Case(
        "worker on an unreachable server", lambda i, o: ["worker", "--once", "--url", UNREACHABLE]
    ),
    Case(
        "worker on a garbled URL",
        lambda i, o: ["worker", "--once", "--url", f"postgresql://u:{SECRET}@[::1"],
    ),
    Case("worker with a negative poll", lambda i, o: ["worker", "--poll-s", "-1"]),
    Case(
        "db current on a garbled URL",
        lambda i, o: ["db", "current", "--url", f"postgresql://u:{SECRET}@[::1"],
    ),
    Case(
        "report from a text file",
        lambda i, o: [
            "report",
            "--url",
            _sqlite(i["notes.db"]),
            "--patient",
            "1",
            "-o",
            o / "r.pdf",
        ],
    ),
    Case(
        "report from an unreachable server",
        lambda i, o: ["report", "--url", UNREACHABLE, "--patient", "1", "-o", o / "r.zip"],
    ),
    Case(
        "report with a Latin-1 note file",
        lambda i, o: [
            "report",
            "--patient",
            "1",
            "--note-file",
            i["latin1.txt"],
            "-o",
            o / "r.pdf",
        ],
    ),
    Case(
        "report with dates reversed",
        lambda i, o: [
            "report",
            "--patient",
            "1",
            "--from",
            "2024-05-02",
            "--to",
            "2024-05-01",
            "-o",
            o / "r.pdf",
        ],
    ),
    Case(
        "user add on a text file",
        lambda i, o: [
            "user",
            "add",
            "x",
            "--name",
            "X",
            "--role",
            "admin",
            "--url",
            _sqlite(i["notes.db"]),
        ],
    ),
    Case(
        "patient add on a cut SQLite file",
        lambda i, o: [
            "patient",
            "add",
            "p",
            "--name",
            "P",
            "--therapist",
            "t",
            "--condition",
            "knee",
            "--side",
            "left",
            "--url",
            _sqlite(i["cut.db"]),
        ],
    ),
    Case(
        "demo on a cut SQLite file",
        lambda i, o: ["demo", "--if-empty", "--url", _sqlite(i["cut.db"])],
    ),
    # live (no camera here: a broken file as the camera)
    Case(
        "live from a random-bytes video",
        lambda i, o: ["live", "--exercise", "squat", "--camera", i["random.mp4"], "--no-window"],
    ),
    # arguments
    Case(
        "annotate with visibility NaN",
        lambda i, o: ["annotate", i["sliver.png"], "-o", o / "a.png", "--min-visibility", "nan"],
    ),
    Case("demo for -3 weeks", lambda i, o: ["demo", "--weeks", "-3"]),
    Case("ondevice serve on port 70000", lambda i, o: ["ondevice", "serve", "--port", "70000"]),
    Case("serve on port 70000", lambda i, o: ["serve", "--port", "70000"]),
    Case("models check in an empty folder", lambda i, o: ["models", "check", "--out", o]),
    Case(
        "handout from a cut SQLite file",
        lambda i, o: [
            "handout",
            "--patient",
            "1",
            "-o",
            o / "h.pdf",
            "--url",
            _sqlite(i["cut.db"]),
        ],
    ),
    Case(
        "handout over the database itself",
        lambda i, o: [
            "handout",
            "--patient",
            "1",
            "-o",
            i["cut.db"],
            "--url",
            _sqlite(i["cut.db"]),
        ],
    ),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return inputs_of(tmp_path_factory.mktemp("malformed"))


def assert_refused(run: CliRun, code: int, out: Path, inputs_folder: Path) -> None:
    lines = run.stderr_lines()
    assert run.returncode == code, f"exit {run.returncode}, stderr:\n{run.stderr}"
    assert len(lines) == 1 and lines[0].startswith("rehab: error: "), run.stderr
    assert "Traceback" not in run.stderr
    assert SECRET not in run.stderr + run.stdout
    assert run.stdout == "", f"partial output on stdout:\n{run.stdout}"
    assert list(out.iterdir()) == [], "an output file was left"
    assert not list(inputs_folder.rglob("*.partial*")), "a temporary file was left"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input_is_refused_in_one_line(
    case: Case, inputs: dict[str, Path], tmp_path: Path
) -> None:
    out, home = tmp_path / "out", tmp_path / "home"
    out.mkdir()
    home.mkdir()
    run = run_rehab(*case.args(inputs, out), env=clinic_env(home), timeout_s=300)
    assert_refused(run, case.code, out, inputs["empty.png"].parent)


def test_every_command_is_fuzzed() -> None:
    from rehab.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    fuzzed = {str(case.args(_Names(), Path("o"))[0]) for case in CASES}
    assert set(commands) <= fuzzed, set(commands) - fuzzed


class _Names(dict[str, Path]):
    """Any name maps to a path: enough to read which command a case runs."""

    def __missing__(self, key: str) -> Path:
        return Path(key)


# --- mutation fuzz ------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("REHAB_FUZZ_EXAMPLES", "3"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("REHAB_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """`seed` with a few bytes flipped, a slice cut out, or random bytes inserted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            del data[at:]
    return bytes(data)


def _valid_npz() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return bad.npz(Path(folder), "s.npz", bad._meta()).read_bytes()


def check_any_outcome(run: CliRun, allowed: set[int], out: Path) -> None:
    """Success or a clean refusal; never a crash, a traceback or a leftover file."""
    assert run.returncode in allowed, f"exit {run.returncode}, stderr:\n{run.stderr}"
    assert "Traceback" not in run.stderr, run.stderr
    if run.returncode != 0:
        errors = [line for line in run.stderr_lines() if not line.startswith("rehab: warning")]
        assert len(errors) == 1 and errors[0].startswith("rehab: error: "), run.stderr
        assert list(out.iterdir()) == []
    assert not [p for p in out.iterdir() if ".partial" in p.name]


def _fuzz_run(name: str, data: bytes, command: Callable[[Path, Path], list[str | Path]]) -> CliRun:
    with tempfile.TemporaryDirectory(prefix="rehab-fuzz-") as folder:
        root = Path(folder)
        source, out, home = root / name, root / "out", root / "home"
        out.mkdir()
        home.mkdir()
        source.write_bytes(data)
        run = run_rehab(*command(source, out), env=clinic_env(home), timeout_s=300)
        check_any_outcome(run, {0, 1, 2} if "validate" in command(source, out) else {0, 2}, out)
        return run


@FUZZ_SETTINGS
@given(mutated(png_bytes(96, 64)))
def test_mutated_png(data: bytes) -> None:
    _fuzz_run("photo.png", data, lambda s, o: ["annotate", s, "-o", o / "a.png"])


@FUZZ_SETTINGS
@given(mutated(_valid_npz()))
def test_mutated_landmark_file(data: bytes) -> None:
    _fuzz_run("stream.npz", data, lambda s, o: ["analyze", s, "-e", "biceps_curl", "--json"])


@FUZZ_SETTINGS
@given(mutated(bad.GOOD_EXERCISE.encode()))
def test_mutated_exercise_file(data: bytes) -> None:
    _fuzz_run("ex.yaml", data, lambda s, o: ["exercises", "validate", s])


def test_the_seeds_are_valid(tmp_path: Path) -> None:
    """The mutation seeds themselves pass: the fuzz starts from inputs that work."""
    ok = tmp_path / "ok.yaml"
    ok.write_text(bad.GOOD_EXERCISE, encoding="utf-8")
    assert run_rehab("exercises", "validate", ok).returncode == 0
    stream = bad.npz(tmp_path, "ok.npz", bad._meta())
    run = run_rehab("analyze", stream, "-e", "biceps_curl", "--json")
    assert run.returncode == 0, run.stderr
    assert np.isfinite(len(run.stdout))
