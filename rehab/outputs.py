"""Where commands write their files: never onto an input or the database, always atomically.

Every command that writes a file calls `check_output` before any work (a wrong path fails
in a second, not after minutes of video) and writes through `atomic_output` (or
`write_bytes_atomically`): the file is written under a temporary name in the same folder
and renamed over the target only when complete, so a failure (unwritable folder, disk full,
a crash) never leaves a half-written file where the user expects one, and never damages
what was there before. The temporary file is removed on any failure.

    check_output(out, protect=[Protected("the input video", source)])
    with atomic_output(out) as partial:
        write_video(partial)           # rename to `out` happens here, on success only
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import InputError

log = logging.getLogger(__name__)

PARTIAL_MARK = ".partial"


@dataclass(frozen=True)
class Protected:
    """A file an output must never replace, with the words that name it in the error."""

    what: str  # e.g. "the input video", "the clinic database"
    path: Path


def database_protection(url: str | None = None) -> list[Protected]:
    """The local SQLite database and its -wal/-shm/-journal files (none for a server)."""
    from rehab.store import database_files

    return [Protected("the clinic database", path) for path in database_files(url)]


def check_output(
    target: Path, protect: Iterable[Protected] = (), *, database_url: str | None = None
) -> None:
    """Fail (InputError) when `target` cannot or must not be written.

    Refused: a folder; a missing or unwritable folder; an existing non-regular file (a
    device, a pipe) or a symbolic link; the same file as anything in `protect` or as the
    database (`database_url`, default: the configured one), hard links and links included.
    """
    if target.is_symlink():
        raise InputError(f"{target}: is a symbolic link; give the real file name")
    if target.is_dir():
        raise InputError(f"{target} is a folder: give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise InputError(f"{target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{target}: cannot write in folder {folder} (permission denied)")
    if target.exists() and not target.is_file():
        raise InputError(f"{target}: exists and is not a regular file")
    for guarded in [*protect, *database_protection(database_url)]:
        if same_file(target, guarded.path):
            raise InputError(
                f"{target}: is {guarded.what} ({guarded.path}); "
                "refusing to write over it, give another output name"
            )


def same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name one file: same resolved path, or same inode (hard link)."""
    with contextlib.suppress(OSError):
        if os.path.samefile(a, b):
            return True
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop: not a file we could write anyway
        return False


def partial_path(target: Path) -> Path:
    """A fresh hidden name beside `target`, keeping its suffix (writers pick formats by it)."""
    token = secrets.token_hex(4)
    return target.with_name(f".{target.stem}.{token}{PARTIAL_MARK}{target.suffix}")


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to `target`.

    On any failure (an exception in the block, or in the rename) the temporary file is
    removed and the exception passes on; an OSError becomes an InputError that names
    `target` and the reason (disk full, permission denied...).
    """
    partial = partial_path(target)
    try:
        yield partial
        if not partial.is_file():
            raise InputError(f"{target}: nothing was written")
        os.replace(partial, target)
    except OSError as exc:
        raise InputError(f"{target}: cannot write it ({_reason(exc)})") from exc
    finally:
        _remove(partial)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:  # e.g. a read-only file system, where it was never created
        log.info("temporary file %s not removed (%s)", path, exc.strerror)


def write_bytes_atomically(target: Path, payload: bytes) -> None:
    """Write `payload` to `target` through a temporary file (flushed to disk) and a rename."""
    with atomic_output(target) as partial, partial.open("xb") as stream:
        stream.write(payload)
        stream.flush()
        os.fsync(stream.fileno())


def write_text_atomically(target: Path, text: str) -> None:
    write_bytes_atomically(target, text.encode("utf-8"))


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno == errno.EFBIG:
        return "the file is larger than this system allows"
    return exc.strerror or str(exc)
