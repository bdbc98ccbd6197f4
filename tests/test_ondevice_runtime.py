"""The browser's pose runtime as we serve it: pinned files, no outside endpoint, our own origin
only (Content-Security-Policy), long cache lifetimes, nothing served outside a fixed list."""

from __future__ import annotations

import gzip
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rehab.exercise_library import load_library
from rehab.live.ondevice import runtime
from rehab.live.ondevice.ingest import Services
from rehab.live.ondevice.routes import CSP, current
from rehab.live.ondevice.runtime import (
    RuntimeMissing,
    check_no_outside_endpoints,
    check_runtime,
    outside_endpoints,
)
from rehab.store import Database
from tests.ondevice_support import SECRET, IngestServer, installed_runtime

pytest_plugins = ["rehab.store.pytest_plugin"]


@pytest.fixture(scope="module")
def web_root() -> Path:
    return installed_runtime()


def test_the_installed_runtime_matches_its_pins_and_names_no_outside_endpoint(
    web_root: Path,
) -> None:
    installed = check_runtime(runtime.runtime_dir(web_root))
    assert installed.version == "0.10.35"
    assert check_no_outside_endpoints(installed.folder) == {}
    for name in runtime.FILES:  # the compressed copies are the same bytes
        gz = installed.folder / f"{name}.gz"
        if gz.exists():
            assert gzip.decompress(gz.read_bytes()) == (installed.folder / name).read_bytes()


def test_the_grep_finds_a_usage_logger_and_lets_protobuf_type_names_be() -> None:
    later_release = b'fetch("https://odml.pa.googleapis.com/v1/log?key=x",{method:"POST"})'
    assert outside_endpoints(later_release) == ["odml.pa.googleapis.com"]
    assert outside_endpoints(b"https://www.google-analytics.com/collect") == [
        "www.google-analytics.com"
    ]
    names = b"type.googleapis.com/mediapipe.StatusList type.googleapis.com/util.X"
    assert outside_endpoints(names) == []


def test_a_swapped_file_is_refused_and_its_logger_found(web_root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tasks-vision"
    shutil.copytree(runtime.runtime_dir(web_root), copy)
    bundle = copy / "vision_bundle.mjs"
    bundle.write_bytes(bundle.read_bytes() + b'\nfetch("https://odml.pa.googleapis.com/v1/log")')
    with pytest.raises(RuntimeMissing, match="differs from its pin"):
        check_runtime(copy)
    assert check_no_outside_endpoints(copy) == {"vision_bundle.mjs": ["odml.pa.googleapis.com"]}


# -- the routes -------------------------------------------------------------------------------


@pytest.fixture
def served(
    db: Database, web_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> IngestServer:
    models = tmp_path / "models"
    models.mkdir()
    for variant in ("lite", "full"):  # stand-ins: the routes serve bytes, they do not run them
        (models / f"pose_landmarker_{variant}.task").write_bytes(variant.encode() * 1000)
    monkeypatch.setenv("REHAB_WEB_DIR", str(web_root))
    monkeypatch.setenv("REHAB_MODELS_DIR", str(models))
    library = load_library()
    return IngestServer(Services(lambda: db, lambda: library, SECRET))


def get(url: str, gzip_ok: bool = False) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_every_response_allows_our_origin_only_and_assets_are_cached_for_a_year(
    served: IngestServer,
) -> None:
    with served:
        base = served.origin
        server = current()
        assert server is not None and server.available, server and server.problem
        status, headers, body = get(f"{base}/ondevice/component/")
        assert status == 200 and headers["cache-control"] == "no-cache"
        assert headers["content-security-policy"] == CSP
        page = body.decode()
        assert "http://" not in page and "https://" not in page  # every URL on our origin
        app = f"{base}/ondevice/app/{server.app_hash}"
        status, headers, _ = get(f"{app}/ondevice.js")
        assert status == 200 and "immutable" in headers["cache-control"]
        assert headers["content-security-policy"] == CSP
        assert headers["content-type"].startswith("text/javascript")
        wasm = f"{base}/ondevice/vendor/tasks-vision-0.10.35/wasm/vision_wasm_internal.wasm"
        status, headers, body = get(wasm, gzip_ok=True)
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert headers["content-type"] == "application/wasm"
        assert "max-age=31536000" in headers["cache-control"]
        assert gzip.decompress(body)[:4] == b"\0asm"
        full = server.bundles["full"]
        status, headers, body = get(f"{base}/ondevice/models/{full.url_name}")
        assert status == 200 and body == full.path.read_bytes()
        assert "immutable" in headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    [
        "/ondevice/app/0123456789ab/ondevice.js",  # an old hash
        "/ondevice/app/{hash}/../routes.py",
        "/ondevice/app/{hash}/index.html",
        "/ondevice/vendor/tasks-vision-0.10.35/README.md",
        "/ondevice/vendor/tasks-vision-0.10.35/../../../../etc/passwd",
        "/ondevice/vendor/tasks-vision-0.10.35/wasm%2F..%2F..%2Fpackage.json",
        "/ondevice/models/000000000000/pose_landmarker_full.task",
    ],
)
def test_nothing_outside_the_list_is_served(served: IngestServer, path: str) -> None:
    with served:
        server = current()
        assert server is not None
        status, headers, _ = get(served.origin + path.format(hash=server.app_hash))
        assert status == 404 and headers["content-security-policy"] == CSP
