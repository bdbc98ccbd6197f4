"""The pure core imports no camera, model, database or UI library and does no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE_MODULES = (
    "landmarks",
    "results",
    "errors",
    "geometry",
    "filters",
    "exercise",
    "counting",
    "analysis",
    "synthetic",
    "measures",
    "engine",
    "tracker",
)
FORBIDDEN_IMPORTS = {"cv2", "mediapipe", "sqlalchemy", "streamlit", "av", "alembic", "plotly"}
FORBIDDEN_CALLS = {"open", "print", "input"}
PACKAGE = Path(__file__).resolve().parent.parent / "rehab"


def _existing_core() -> list[Path]:
    return [PACKAGE / f"{m}.py" for m in CORE_MODULES if (PACKAGE / f"{m}.py").is_file()]


def _imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_modules_exist() -> None:
    assert {p.stem for p in _existing_core()} >= {"landmarks", "results", "errors"}


@pytest.mark.parametrize("path", _existing_core(), ids=lambda p: p.name)
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert not (_imported_roots(tree) & FORBIDDEN_IMPORTS), f"{path.name} imports a shell library"
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not (calls & FORBIDDEN_CALLS), f"{path.name} does I/O: {calls & FORBIDDEN_CALLS}"
