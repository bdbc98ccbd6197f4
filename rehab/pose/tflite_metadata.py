"""TFLite model metadata for the pose bundles, written with MediaPipe's own `MetadataWriter`.

The Tasks API reads two things from a model's metadata: the image input's normalisation
(mean/std) and the names of the outputs. `add_metadata(model, spec)` writes exactly those.

MediaPipe releases after 0.10.21 ship the metadata writers but not the C extension they
import (`mediapipe.tasks.cc.metadata.python._pywrap_metadata_version`, one function:
the minimum metadata parser version a metadata buffer needs). `MetadataVersionStandIn`
provides that one module while the writers are imported, and only when the real one is
absent: it ports `GetMinimumMetadataParserVersion` for schema 1.0.0 and refuses any newer
schema member instead of guessing. Its output is byte-identical to the real extension's
(the pinned bundle checksums in `rehab.pose.model_build` are that test).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import logging
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

EXTENSION = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
MIN_PARSER_VERSION = "1.0.0"  # what our metadata needs: no member added after schema 1.0.0


class MetadataError(Exception):
    """A model's tensors or metadata are not what a pose bundle needs."""


@dataclass(frozen=True)
class OutputSpec:
    name: str
    description: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class ModelSpec:
    """The metadata one model gets: image input normalisation and its outputs in order."""

    name: str
    description: str
    input_shape: tuple[int, ...]
    norm_mean: float
    norm_std: float
    outputs: tuple[OutputSpec, ...]


def min_parser_version(metadata_buffer: bytes) -> str:
    """The minimum metadata parser version `metadata_buffer` needs: always "1.0.0", and a
    MetadataError for any member that a later schema version added."""
    from mediapipe.tasks.metadata import metadata_schema_py_generated as schema

    model = schema.ModelMetadataT.InitFromObj(
        schema.ModelMetadata.GetRootAsModelMetadata(bytearray(metadata_buffer), 0)
    )
    if model.associatedFiles:
        raise MetadataError("metadata has model-level associated files (newer than 1.0.0)")
    for subgraph in model.subgraphMetadata or []:
        newer = (
            subgraph.inputProcessUnits, subgraph.outputProcessUnits,
            subgraph.inputTensorGroups, subgraph.outputTensorGroups,
            subgraph.customMetadata, subgraph.associatedFiles,
        )  # fmt: skip
        if any(newer):
            raise MetadataError("metadata uses subgraph members newer than schema 1.0.0")
        tensors = [*(subgraph.inputTensorMetadata or []), *(subgraph.outputTensorMetadata or [])]
        for tensor in tensors:
            if tensor.associatedFiles:
                raise MetadataError(f"tensor {tensor.name!r} has associated files")
            for unit in tensor.processUnits or []:
                if unit.optionsType != schema.ProcessUnitOptions.NormalizationOptions:
                    raise MetadataError(
                        f"tensor {tensor.name!r} uses a process unit newer than schema 1.0.0"
                    )
    return MIN_PARSER_VERSION


class MetadataVersionStandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """An import finder that serves EXTENSION (and its missing parent packages, empty) when
    no real finder can. Placed last on `sys.meta_path`, so a real extension always wins."""

    def __init__(self) -> None:
        parts = EXTENSION.split(".")
        self._packages = {".".join(parts[:i]) for i in range(3, len(parts))}  # mediapipe.tasks.cc…

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == EXTENSION:
            return importlib.machinery.ModuleSpec(fullname, self)
        if fullname in self._packages:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        if module.__name__ == EXTENSION:
            module.GetMinimumMetadataParserVersion = min_parser_version  # type: ignore[attr-defined]
            log.info("mediapipe ships no %s: using the schema 1.0.0 stand-in", EXTENSION)
        else:
            module.__path__ = []


@contextmanager
def metadata_version_stand_in() -> Iterator[None]:
    """While inside, `import EXTENSION` finds the stand-in when mediapipe lacks it."""
    finder = MetadataVersionStandIn()
    sys.meta_path.append(finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def metadata_writer_class() -> Any:
    """MediaPipe's MetadataWriter class, importable on every release since 0.10.x."""
    with metadata_version_stand_in():
        module = importlib.import_module(
            "mediapipe.tasks.python.metadata.metadata_writers.metadata_writer"
        )
    return module.MetadataWriter


def tensor_shapes(model: bytes) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """The shapes of the first subgraph's inputs and outputs, in order."""
    from mediapipe.tasks.metadata import schema_py_generated as tflite

    graph = tflite.Model.GetRootAsModel(bytearray(model), 0).Subgraphs(0)

    def shape(index: int) -> tuple[int, ...]:
        return tuple(int(n) for n in graph.Tensors(index).ShapeAsNumpy())

    inputs = [shape(graph.Inputs(i)) for i in range(graph.InputsLength())]
    outputs = [shape(graph.Outputs(i)) for i in range(graph.OutputsLength())]
    return inputs, outputs


def check_tensors(model: bytes, spec: ModelSpec) -> None:
    """The model's input and output shapes are the ones `spec` describes, in order."""
    inputs, outputs = tensor_shapes(model)
    wanted = [o.shape for o in spec.outputs]
    if inputs != [spec.input_shape] or outputs != wanted:
        raise MetadataError(
            f"{spec.name}: tensors {inputs} -> {outputs}, expected [{spec.input_shape}] -> {wanted}"
        )


def add_metadata(model: bytes, spec: ModelSpec) -> bytes:
    """`model` with its metadata replaced by `spec`'s (existing metadata is overwritten)."""
    check_tensors(model, spec)
    writer = metadata_writer_class().create(bytearray(model))
    writer.add_general_info(spec.name, spec.description)
    writer.add_image_input(norm_mean=[spec.norm_mean], norm_std=[spec.norm_std])
    for output in spec.outputs:
        writer.add_feature_output(name=output.name, description=output.description)
    populated, _json = writer.populate()
    del writer  # its __del__ removes a temp folder: run it now, not at interpreter exit
    return bytes(populated)
