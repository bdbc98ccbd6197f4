"""The store has one front door: outside `rehab/store`, code reads and writes only through
`rehab.store` and `rehab.store.queries` (typed functions that take the acting user, apply the
access rules and the audit log). No SQLAlchemy, Alembic, ORM model, private store module,
session call or SQL text anywhere else in `rehab/` or in `streamlit_app.py` (imports inside
functions included). Tests and benchmarks may also use `rehab.store.testing`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.test_core_purity import imported_modules

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "rehab" / "store"
PUBLIC = {"rehab.store", "rehab.store.queries"}
FORBIDDEN_ROOTS = {"sqlalchemy", "alembic", "psycopg", "psycopg2", "sqlite3"}
SESSION_CALLS = {"query", "execute", "scalar", "scalars", "exec_driver_sql", "connection"}
SQL_TEXT = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")


def outside_modules() -> list[Path]:
    modules = [p for p in (ROOT / "rehab").rglob("*.py") if STORE not in p.parents]
    return sorted([*modules, ROOT / "streamlit_app.py"])


def store_submodules(package: Path) -> set[str]:
    """Names of the modules and packages directly in a store package."""
    return {p.stem for p in package.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in package.iterdir() if (p / "__init__.py").is_file()
    }


def imported(tree: ast.AST) -> set[str]:
    """Every module imported anywhere in the tree, with `from rehab.store import recorder`
    seen as the module `rehab.store.recorder`."""
    names = imported_modules(tree) - {"<dynamic import>"}  # the CLI router's import_module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in PUBLIC and node.level == 0:
            subs = store_submodules(ROOT.joinpath(*node.module.split(".")))
            names |= {f"{node.module}.{a.name}" for a in node.names if a.name in subs}
    return names


def violations(source: str) -> set[str]:
    tree = ast.parse(source)
    bad = {n for n in imported(tree) if n.split(".")[0] in FORBIDDEN_ROOTS}
    bad |= {n for n in imported(tree) if n.startswith("rehab.store.") and n not in PUBLIC}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_CALLS
        ):
            bad.add(f"call .{node.func.attr}()")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_TEXT.search(node.value.upper())
        ):
            bad.add(f"SQL text {node.value[:40]!r}")
    return bad


@pytest.mark.parametrize("path", outside_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_goes_through_the_store_front_door(path: Path) -> None:
    bad = violations(path.read_text(encoding="utf-8"))
    assert not bad, f"{path.relative_to(ROOT)} reaches past the store's public API: {sorted(bad)}"


def test_the_rule_sees_every_way_past_the_door() -> None:
    source = """
from rehab.store import queries, Actor
from rehab.store.queries import list_patients

def page(tx):
    import sqlalchemy
    from sqlalchemy.orm import Session
    from alembic import command
    from rehab.store.models import User
    from rehab.store import models, recorder
    from rehab.store.queries import patients
    import rehab.store.database
    tx.query(User).first()
    return "select id from users where role = 'admin'"
"""
    assert violations(source) == {
        "sqlalchemy",
        "sqlalchemy.orm",
        "alembic",
        "rehab.store.models",
        "rehab.store.recorder",
        "rehab.store.queries.patients",
        "rehab.store.database",
        "call .query()",
        'SQL text "select id from users where role = \'admin"',
    }


def test_the_public_packages_exist_and_the_rule_covers_the_app() -> None:
    assert {"queries", "models", "database", "recorder"} <= store_submodules(STORE)
    covered = {p.relative_to(ROOT).as_posix() for p in outside_modules()}
    assert {"streamlit_app.py", "rehab/dashboard/state.py", "rehab/reports/data.py"} <= covered
    assert not any(p.startswith("rehab/store/") for p in covered)
