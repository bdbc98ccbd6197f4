"""No command writes over an input or the database; a failed write leaves nothing behind.

Every command that writes a file goes through `rehab.outputs` (check_output before any
work, atomic_output to write). The commands run as a real subprocess. A full disk is a
small tmpfs (when this machine lets the test mount one) or RLIMIT_FSIZE (always): the
write fails with ENOSPC or EFBIG in the middle of the file.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rehab.errors import InputError
from rehab.outputs import Protected, atomic_output, check_output, write_bytes_atomically
from tests.cli_run import CliRun, assert_one_line_error, clinic_env, make_small_clinic, run_rehab
from tests.hostile_media import write_h264
from tests.pose_helpers import astronaut_png


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write may have left: none, ever."""
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name or p.suffix == ".tmp")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """REHAB_HOME of the subprocesses: its rehab.db is the database to protect."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def rehab_in(home: Path, *args: str | Path) -> CliRun:
    return run_rehab(*args, env=clinic_env(home))


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return astronaut_png(tmp_path)


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_h264(tmp_path / "clip.mp4", 320, 240, frames=6)


# --- outputs that are an input, a link to one, or the database -------------------------


def test_annotate_refuses_its_input_as_output(home: Path, photo: Path, video: Path) -> None:
    before = digest(photo), digest(video)
    assert_one_line_error(rehab_in(home, "annotate", photo, "-o", photo), "input image")
    assert_one_line_error(rehab_in(home, "annotate", video, "-o", video), "input video")
    assert (digest(photo), digest(video)) == before


def test_links_to_an_input_are_refused(home: Path, photo: Path, tmp_path: Path) -> None:
    symbolic = tmp_path / "symbolic.png"
    symbolic.symlink_to(photo)
    hard = tmp_path / "hard.png"
    os.link(photo, hard)
    before = digest(photo)
    assert_one_line_error(rehab_in(home, "annotate", photo, "-o", symbolic), "symbolic link")
    assert_one_line_error(rehab_in(home, "annotate", photo, "-o", hard), "input image")
    via_folder = tmp_path / "alias"
    via_folder.symlink_to(tmp_path, target_is_directory=True)
    run = rehab_in(home, "annotate", photo, "-o", via_folder / photo.name)
    assert_one_line_error(run, "input image")
    assert digest(photo) == before


def test_json_may_not_land_on_the_input_or_the_annotated_output(
    home: Path, photo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.png"
    run = rehab_in(home, "annotate", photo, "-o", out, "--json", photo)
    assert_one_line_error(run, "input image")
    run = rehab_in(home, "annotate", photo, "-o", out, "--json", out)
    assert_one_line_error(run, "annotated output")
    assert not out.exists()


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_nothing_writes_over_the_database(
    home: Path, photo: Path, tmp_path: Path, suffix: str
) -> None:
    assert rehab_in(home, "db", "upgrade").returncode == 0
    database = home / "rehab.db"
    target = database.with_name(database.name + suffix)
    if not target.exists():
        target.write_bytes(b"sqlite companion")
    before = digest(database), digest(target)
    for args in (
        ["annotate", photo, "-o", tmp_path / "a.png", "--json", target],
        ["report", "--patient", "1", "-o", target, "--format", "pdf"],
    ):
        assert_one_line_error(rehab_in(home, *args), "clinic database")
    assert (digest(database), digest(target)) == before


def test_report_refuses_a_database_given_by_url_and_its_note_file(
    home: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    url = f"sqlite:///{other}"
    assert rehab_in(home, "db", "upgrade", "--url", url).returncode == 0
    before = digest(other)
    run = rehab_in(home, "report", "--url", url, "--patient", "1", "-o", other, "--format", "pdf")
    assert_one_line_error(run, "clinic database")
    note = tmp_path / "note.txt"
    note.write_text("Keep going", encoding="utf-8")
    report = ("report", "--patient", "1", "--format", "pdf")
    run = rehab_in(home, *report, "--note-file", note, "-o", note)
    assert_one_line_error(run, "note file")
    assert digest(other) == before and note.read_text(encoding="utf-8") == "Keep going"


def test_devices_pipes_folders_and_missing_folders_are_refused(
    home: Path, photo: Path, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    assert_one_line_error(rehab_in(home, "annotate", photo, "-o", pipe), "not a regular file")
    run = rehab_in(home, "annotate", photo, "-o", tmp_path / "a.png", "--json", "/dev/null")
    assert_one_line_error(run, "not a regular file")
    assert_one_line_error(rehab_in(home, "annotate", photo, "-o", tmp_path), "is a folder")
    run = rehab_in(home, "annotate", photo, "-o", tmp_path / "no" / "such.png")
    assert_one_line_error(run, "does not exist")
    assert Path("/dev/null").is_char_device()


# --- failures while writing -----------------------------------------------------------


def mounted_tmpfs(options: str) -> Iterator[Path]:
    """A tmpfs mounted with `options`; skipped where this machine denies mounting."""
    folder = Path("/tmp") / f"rehab-tmpfs-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True, check=False).returncode != 0:
        folder.rmdir()
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE tests still run")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


@pytest.fixture
def full_disk() -> Iterator[Path]:
    """A 16 KB disk: the first real output fills it."""
    yield from mounted_tmpfs("size=16k")


@pytest.fixture
def read_only_disk() -> Iterator[Path]:
    """A read-only file system: unwritable even for root."""
    yield from mounted_tmpfs("ro,size=16k")


def test_unwritable_folder_fails_before_any_work(
    home: Path, photo: Path, read_only_disk: Path
) -> None:
    run = rehab_in(home, "annotate", photo, "-o", read_only_disk / "out.png")
    assert_one_line_error(run, "cannot write in folder")
    with pytest.raises(InputError, match="cannot write"):
        write_bytes_atomically(read_only_disk / "x.pdf", b"data")


def test_full_disk_annotate_image_keeps_the_old_file(
    home: Path, photo: Path, full_disk: Path
) -> None:
    target = full_disk / "out.png"
    target.write_bytes(b"the previous version")
    run = rehab_in(home, "annotate", photo, "-o", target, "--json")
    assert_one_line_error(run, str(target))
    assert target.read_bytes() == b"the previous version"
    assert leftovers(full_disk) == []
    assert sorted(p.name for p in full_disk.iterdir()) == ["out.png"]


def test_full_disk_report(home: Path, full_disk: Path) -> None:
    make_small_clinic(home)
    target = full_disk / "report.pdf"
    run = rehab_in(home, "report", "--patient", "1", "-o", target)
    assert_one_line_error(run, "report.pdf", "disk is full")
    assert list(full_disk.iterdir()) == []


def limited_run(home: Path, max_file_bytes: int, *args: str | Path) -> CliRun:
    """The command with RLIMIT_FSIZE: writing past `max_file_bytes` fails with EFBIG."""
    env = {**os.environ, "REHAB_HOME": str(home)}
    limiter = (
        "import resource, os, sys; "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({max_file_bytes}, {max_file_bytes})); "
        "os.execv(sys.executable, [sys.executable, '-m', 'rehab.cli', *sys.argv[1:]])"
    )
    process = subprocess.run(
        [sys.executable, "-c", limiter, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    return CliRun(process.returncode, process.stdout, process.stderr, 0.0)


@pytest.mark.parametrize("command", ["landmarks", "annotate"])
def test_file_size_limit_mid_write(home: Path, video: Path, tmp_path: Path, command: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / ("stream.npz" if command == "landmarks" else "annotated.mp4")
    run = limited_run(home, 1024, command, video, "-o", target)
    assert_one_line_error(run, target.name)
    assert list(out_dir.iterdir()) == [], "no output and no temporary file"


# --- the helper itself ------------------------------------------------------------------


def test_atomic_output_removes_the_partial_file_on_any_error(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(ZeroDivisionError), atomic_output(target) as partial:
        partial.write_bytes(b"half")
        _ = 1 / 0
    assert list(tmp_path.iterdir()) == []
    write_bytes_atomically(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_output_in_an_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: permissions do not bind; the tmpfs tests cover it")
        with pytest.raises(InputError, match="cannot write in folder"):
            check_output(folder / "x.pdf")
        with pytest.raises(InputError, match="Permission denied"):
            write_bytes_atomically(folder / "x.pdf", b"data")
    finally:
        folder.chmod(0o700)


def test_check_output_rules(tmp_path: Path) -> None:
    source = tmp_path / "in.mp4"
    source.write_bytes(b"video")
    check_output(tmp_path / "new.mp4", [Protected("the input video", source)])
    with pytest.raises(InputError, match="is the input video"):
        check_output(tmp_path / "." / "in.mp4", [Protected("the input video", source)])
    with pytest.raises(InputError, match="is a folder"):
        check_output(tmp_path)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="symbolic link"):
        check_output(loop)
