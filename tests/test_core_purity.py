"""The pure core (`rehab/core/`) imports no camera, model, database or UI library, no other
`rehab` package, and does no I/O. Purity is a folder rule: every module under the folder is
checked, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "rehab" / "core"
FORBIDDEN_ROOTS = {
    "cv2",
    "mediapipe",
    "sqlalchemy",
    "streamlit",
    "av",
    "alembic",
    "plotly",
    "matplotlib",
    "fpdf",
    "PIL",
    "yaml",
    "os",
    "io",
    "subprocess",
    "socket",
    "requests",
    "urllib",
    "http",
    "sqlite3",
    "psycopg",
    "pathlib",
    "shutil",
    "tempfile",
    "time",
    "logging",
}
FORBIDDEN_CALLS = {"open", "print", "input"}


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def imported_modules(tree: ast.AST) -> set[str]:
    """Every absolute module name imported anywhere in the tree (functions included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "rehab":
                names |= {f"rehab.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            names.add("<dynamic import>")
    return names


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"import_module", "__import__"}


def forbidden(names: set[str]) -> set[str]:
    bad = {n for n in names if n.split(".")[0] in FORBIDDEN_ROOTS or n == "<dynamic import>"}
    bad |= {n for n in names if n.split(".")[0] == "rehab" and not n.startswith("rehab.core")}
    bad |= {n for n in names if n == "rehab"}
    return bad


def test_core_folder_is_not_empty() -> None:
    stems = {p.stem for p in core_modules()}
    assert {"landmarks", "results", "exercise", "counting", "exercise_engine"} <= stems


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = forbidden(imported_modules(tree))
    assert not bad, f"{path.name} imports outside the pure core: {sorted(bad)}"
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not (calls & FORBIDDEN_CALLS), f"{path.name} does I/O: {calls & FORBIDDEN_CALLS}"


def test_the_rule_catches_a_function_level_import() -> None:
    tree = ast.parse("def f():\n    import cv2\n    from rehab.store import queries\n")
    assert forbidden(imported_modules(tree)) == {"cv2", "rehab.store"}
