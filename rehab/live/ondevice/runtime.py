"""MediaPipe Tasks for Web, as our server serves it: a pinned npm release, fetched once with
`npm pack`, checked byte for byte, unpacked into the data folder.

Why 0.10.35: releases 1.0.0, 1.0.1 and 1.1.0 of `@mediapipe/tasks-vision` carry a logger
that POSTs usage data to `https://odml.pa.googleapis.com/v1/log`; 0.10.32-0.10.35 have none
(grep of every file of each package). The pin is on the npm tarball's sha256 and on each
file we serve; `outside_endpoints` greps them for Google service hosts at install and at
every server start, so a swapped file cannot bring a logger back unnoticed.

Why built, not vendored: the files are 33 MB of third-party binaries (Apache-2.0, the
licence is named in the package's `package.json`, which is installed beside them); keeping
them out of git keeps the repository small and their provenance checkable, the same way as
the pose models. A first install needs `npm` and the npm registry; the tarball is kept in
the download cache (`REHAB_NPM_CACHE`, else `~/.cache/rehab/npm`), so later installs are
offline.

    rehab ondevice install        # -> <data folder>/web/tasks-vision-0.10.35/ (or $REHAB_WEB_DIR)
    rehab ondevice check          # the installed files against the pins
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import InputError
from rehab.paths import cache_dir, data_dir

log = logging.getLogger(__name__)

PACKAGE = "@mediapipe/tasks-vision"
VERSION = "0.10.35"
TARBALL = f"mediapipe-tasks-vision-{VERSION}.tgz"
TARBALL_SHA256 = "84597a25e13d123b5f4cbe768bb72e97a2c28c7a465f0ace287d8cbe5246bff0"
FILES: dict[str, str] = {  # served path -> sha256 (inside the tarball under package/)
    "package.json": "5c96247445e57a2d087758114b116fed7d46eb401342aee19b1acc56d36fe707",
    "vision_bundle.mjs": "55d7ab624fbb70dcc5adc4ae6d7ea9cfcb569139d3dbfbf2b1deafcb966bc0fe",
    "wasm/vision_wasm_internal.js": (
        "e7fd9858e8e8f221d9b96eddc11f8e077f263e0b7bbd79d3cbe882b134274f8c"
    ),
    "wasm/vision_wasm_internal.wasm": (
        "6a5c64584c2ab61c763b6e204afbdbc7ce1caf7f5216187322bca8df94f646bc"
    ),
    "wasm/vision_wasm_module_internal.js": (
        "1f1d6215324a1fe62f6742d49a3db911170987ca18ad8c1b75f1a1c82acf2b44"
    ),
    "wasm/vision_wasm_module_internal.wasm": (
        "617b8e0248dbd27e9d7ece4218004eae4cefb499196d1bb4fa0e3fef21708756"
    ),
    "wasm/vision_wasm_nosimd_internal.js": (
        "438d1fe8ff7f4d946025bc211c291543c037d8a3785ed4eee60f1f521b236296"
    ),
    "wasm/vision_wasm_nosimd_internal.wasm": (
        "8a3092d34c79d3f57e6ba8592105e8a90f6b07c27891ffecd14cca428bfd3e31"
    ),
}
COMPRESSED = (".js", ".mjs", ".wasm")  # served gzip-compressed (written once, at install)
ENV_WEB_DIR = "REHAB_WEB_DIR"
ENV_NPM_CACHE = "REHAB_NPM_CACHE"

# Hosts a browser library must never call from a patient's device. `type.googleapis.com` is
# the prefix of protobuf type names compiled into the WASM: a name, never fetched.
_TRACKER = re.compile(
    rb"(?:[a-z0-9-]+\.)*(?:googleapis\.com|google-analytics\.com|googletagmanager\.com|"
    rb"doubleclick\.net|firebaseio\.com|app-measurement\.com)|play\.google\.com/log",
    re.IGNORECASE,
)
_ALLOWED_NAMES = {b"type.googleapis.com"}


class RuntimeMissing(InputError):
    """The web runtime is not installed, or differs from the pinned files."""


def web_root() -> Path:
    """Where web runtimes are installed: `$REHAB_WEB_DIR`, else `web/` in the data folder."""
    configured = os.environ.get(ENV_WEB_DIR, "").strip()
    return Path(configured).expanduser() if configured else data_dir() / "web"


def runtime_dir(root: Path | None = None) -> Path:
    return (root or web_root()) / f"tasks-vision-{VERSION}"


def npm_cache() -> Path:
    configured = os.environ.get(ENV_NPM_CACHE, "").strip()
    if configured:
        return Path(configured).expanduser()
    return cache_dir() / "npm"


def outside_endpoints(data: bytes) -> list[str]:
    """Tracking or Google service hosts named in `data` (empty for a clean file)."""
    found = {m.group(0).lower() for m in _TRACKER.finditer(data)}
    return sorted(name.decode("ascii", "replace") for name in found - _ALLOWED_NAMES)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=64)
def _file_sha256(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """A file's sha256, computed once per version of the file in this process."""
    stat = path.stat()
    return _file_sha256(path.resolve(), stat.st_size, stat.st_mtime_ns)


# -- install ----------------------------------------------------------------------------------


def fetch_tarball(cache: Path | None = None, npm: str = "npm") -> Path:
    """The pinned tarball from the cache, or from the npm registry with `npm pack`."""
    folder = cache or npm_cache()
    target = folder / TARBALL
    if target.is_file() and file_sha256(target) == TARBALL_SHA256:
        return target
    if shutil.which(npm) is None:
        raise RuntimeMissing(f"{PACKAGE}@{VERSION} is not in {folder} and `{npm}` is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        command = [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        packed = Path(tmp) / TARBALL
        if done.returncode != 0 or not packed.is_file():
            raise RuntimeMissing(f"npm pack {PACKAGE}@{VERSION} failed: {done.stderr.strip()}")
        got = file_sha256(packed)
        if got != TARBALL_SHA256:
            raise RuntimeMissing(f"npm gave {TARBALL} with sha256 {got}, pinned {TARBALL_SHA256}")
        os.replace(packed, target)
    return target


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _checked_member(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(f"package/{name}")
    if member is None:
        raise RuntimeMissing(f"{TARBALL}: package/{name} is missing")
    data = member.read()
    if sha256_bytes(data) != FILES[name]:
        raise RuntimeMissing(f"{TARBALL}: package/{name} differs from the pinned file")
    if outside_endpoints(data):
        raise RuntimeMissing(f"{name} names outside endpoints: {outside_endpoints(data)}")
    return data


def install_runtime(root: Path | None = None, cache: Path | None = None, npm: str = "npm") -> Path:
    """Install the pinned files (and their .gz) into the runtime folder; nothing to do when
    they are there and intact. Returns the folder."""
    folder = runtime_dir(root)
    if _intact(folder):
        return folder
    tarball = fetch_tarball(cache, npm)
    with tarfile.open(tarball, "r:gz") as archive:
        for name in FILES:
            data = _checked_member(archive, name)
            _write_atomic(folder / name, data)
            if name.endswith(COMPRESSED):
                _write_atomic(folder / f"{name}.gz", gzip.compress(data, 9, mtime=0))
    manifest = {"package": PACKAGE, "version": VERSION, "files": FILES}
    _write_atomic(folder / "MANIFEST.json", json.dumps(manifest, indent=1).encode("utf-8"))
    log.info("installed %s@%s into %s", PACKAGE, VERSION, folder)
    return folder


def _intact(folder: Path) -> bool:
    try:
        check_runtime(folder)
    except RuntimeMissing:
        return False
    return True


# -- check and serve --------------------------------------------------------------------------


@dataclass(frozen=True)
class WebRuntime:
    """The installed runtime: its folder and the files that may be served from it."""

    folder: Path
    version: str = VERSION

    def path(self, name: str) -> Path | None:
        """The file to serve for `name` (one of FILES), else None: nothing else is served."""
        return self.folder / name if name in FILES else None


def check_runtime(folder: Path | None = None) -> WebRuntime:
    """The installed runtime after checking every file against its pin and for outside
    endpoints; RuntimeMissing (what to run) otherwise."""
    where = folder or runtime_dir()
    for name, pinned in FILES.items():
        path = where / name
        if not path.is_file():
            raise RuntimeMissing(
                f"the on-device pose runtime is not installed ({path} is missing): "
                "run `rehab ondevice install`"
            )
        if file_sha256(path) != pinned:
            raise RuntimeMissing(f"{path} differs from its pin: run `rehab ondevice install`")
        gz = path.with_name(path.name + ".gz")
        if name.endswith(COMPRESSED) and not gz.is_file():
            raise RuntimeMissing(f"{gz} is missing: run `rehab ondevice install`")
    return WebRuntime(where)


def check_no_outside_endpoints(folder: Path) -> dict[str, list[str]]:
    """Every installed file (and its .gz, decompressed) that names an outside endpoint."""
    found: dict[str, list[str]] = {}
    for name in FILES:
        data = (folder / name).read_bytes()
        hits = outside_endpoints(data)
        gz = folder / f"{name}.gz"
        if gz.is_file():
            hits += outside_endpoints(gzip.decompress(gz.read_bytes()))
        if hits:
            found[name] = sorted(set(hits))
    return found
