"""The pose model bundles: built byte for byte as pinned (the metadata stand-in included),
named on the command line, refused with one clear line when missing."""

from __future__ import annotations

import importlib.util
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from rehab.errors import InputError
from rehab.pose import model_build
from rehab.pose.models import (
    DEFAULT_VIDEO_MODEL,
    ENV_MODELS_DIR,
    MODEL_NAMES,
    ModelMissingError,
    built_model,
    models_cache_dir,
    resolve_model,
)
from rehab.pose.tflite_metadata import (
    EXTENSION,
    MIN_PARSER_VERSION,
    MetadataError,
    metadata_version_stand_in,
    metadata_writer_class,
    min_parser_version,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _metadata(edit: object = None) -> bytes:
    """A metadata buffer like ours (one image input with normalisation), changed by `edit`."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as schema

    unit = schema.ProcessUnitT()
    unit.optionsType = schema.ProcessUnitOptions.NormalizationOptions
    unit.options = schema.NormalizationOptionsT()
    unit.options.mean, unit.options.std = [127.5], [127.5]
    tensor = schema.TensorMetadataT()
    tensor.name, tensor.processUnits = "image", [unit]
    subgraph = schema.SubGraphMetadataT()
    subgraph.inputTensorMetadata, subgraph.outputTensorMetadata = [tensor], []
    model = schema.ModelMetadataT()
    model.name, model.subgraphMetadata = "test", [subgraph]
    if callable(edit):
        edit(schema, model, subgraph, tensor, unit)
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), b"M001")
    return bytes(builder.Output())


def test_the_stand_in_serves_only_when_mediapipe_lacks_the_extension() -> None:
    if importlib.util.find_spec("mediapipe.tasks.cc") is not None:
        pytest.skip("this mediapipe ships the real extension (0.10.21 or older)")
    with metadata_version_stand_in():
        module = importlib.import_module(EXTENSION)
        assert module.GetMinimumMetadataParserVersion is min_parser_version
    assert metadata_writer_class().__name__ == "MetadataWriter"
    assert not any(type(f).__name__ == "MetadataVersionStandIn" for f in sys.meta_path)


def test_stand_in_answers_1_0_0_and_refuses_newer_schema_members() -> None:
    assert min_parser_version(_metadata()) == MIN_PARSER_VERSION == "1.0.0"

    def score_calibration(schema, model, subgraph, tensor, unit):  # type: ignore[no-untyped-def]
        unit.optionsType = schema.ProcessUnitOptions.ScoreCalibrationOptions
        unit.options = schema.ScoreCalibrationOptionsT()

    def subgraph_units(schema, model, subgraph, tensor, unit):  # type: ignore[no-untyped-def]
        subgraph.inputProcessUnits = [schema.ProcessUnitT()]

    def files(schema, model, subgraph, tensor, unit):  # type: ignore[no-untyped-def]
        model.associatedFiles = [schema.AssociatedFileT()]

    for edit, message in (
        (score_calibration, "process unit newer"),
        (subgraph_units, "subgraph members newer"),
        (files, "associated files"),
    ):
        with pytest.raises(MetadataError, match=message):
            min_parser_version(_metadata(edit))


@pytest.mark.slow
def test_bundles_build_byte_identical_to_the_pins(tmp_path: Path) -> None:
    """npm inputs (from the download cache `make test` filled) + MediaPipe's metadata writer
    with the stand-in on this release = the pinned bytes, which the 0.10.21 wheel's own C
    extension gave: the stand-in answers as the real one does."""
    cache = models_cache_dir()
    if not (cache / model_build.NPM_POSE_TARBALL).is_file():
        pytest.skip(f"no download cache at {cache} (run `rehab models build`)")
    written = model_build.build(tmp_path, cache, MODEL_NAMES, "npm")
    for variant, path in written.items():
        assert model_build.sha256_file(path) == model_build.BUNDLE_SHA256[variant]
        assert model_build.check_bundle(path, variant) == model_build.BUNDLE_SHA256[variant]
    again = model_build.build(tmp_path, cache, ("full",), "npm")  # already there: kept
    assert again["full"].stat().st_mtime_ns == written["full"].stat().st_mtime_ns


def test_bundle_zip_is_stored_aligned_and_timestamp_free() -> None:
    import zipfile

    path = built_model("full").path
    with zipfile.ZipFile(path) as bundle:
        infos = bundle.infolist()
    assert [i.filename for i in infos] == [
        model_build.DETECTOR_ENTRY,
        model_build.LANDMARKS_ENTRY,
    ]
    data = path.read_bytes()
    for info in infos:
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == model_build.ZIP_DATE_TIME
        name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
        assert (info.header_offset + 30 + name_len + extra_len) % model_build.ZIP_ALIGNMENT == 0


def test_model_names_resolve_to_the_built_files() -> None:
    for name in MODEL_NAMES:
        model = resolve_model(name)
        assert model.name == f"blazepose-{name}" and model.path.is_file()
    assert resolve_model(None).name == "blazepose-heavy"  # the default for recorded video
    # a built bundle given by path keeps its name; any other file is named by its hash
    assert resolve_model(str(built_model("lite").path)).name == "blazepose-lite"


def test_a_custom_task_file_is_named_by_its_content(tmp_path: Path) -> None:
    custom = tmp_path / "my_pose.task"
    custom.write_bytes(b"some other bundle")
    model = resolve_model(custom)
    prefix = "custom:my_pose@"
    assert model.name.startswith(prefix) and len(model.name) == len(prefix) + 12
    with pytest.raises(InputError, match=r"use lite, full, heavy or the path of a \.task"):
        resolve_model("medium")
    with pytest.raises(InputError, match="no such model file"):
        resolve_model(tmp_path / "missing.task")


def test_a_missing_or_altered_model_says_run_rehab_models_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_MODELS_DIR, str(tmp_path))
    with pytest.raises(ModelMissingError, match=r"run `rehab models build`"):
        resolve_model("heavy")
    (tmp_path / "pose_landmarker_heavy.task").write_bytes(b"truncated")
    with pytest.raises(ModelMissingError, match="differs from the pinned build"):
        resolve_model("heavy")


def _rehab(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "rehab", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO_ROOT,
        check=False,
    )


def test_cli_missing_model_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from tests.pose_helpers import astronaut_png

    photo = astronaut_png(tmp_path)
    done = _rehab(
        "annotate", str(photo), "-o", str(tmp_path / "out.png"),
        env={ENV_MODELS_DIR: str(tmp_path / "empty")},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"rehab: error: pose model '{DEFAULT_VIDEO_MODEL}' is not built ({tmp_path / 'empty'}/"
        f"pose_landmarker_{DEFAULT_VIDEO_MODEL}.task is missing): run `rehab models build`"
    ]
    assert not (tmp_path / "out.png").exists()


def test_models_check_and_list() -> None:
    done = _rehab("models", "check")
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(MODEL_NAMES)
    listing = _rehab("models", "list")
    assert "pose_landmarker_heavy.task" in listing.stdout and "not built" not in listing.stdout


def test_models_check_fails_with_exit_2_on_an_empty_folder(tmp_path: Path) -> None:
    done = _rehab("models", "check", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "run `rehab models build`" in done.stderr
