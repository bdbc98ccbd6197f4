"""The program installs as a package: `pip install` of the wheel into a clean venv gives a
working `rehab` (exercises, migrations, models, analysis, the dashboard), and every library
the code imports is a declared dependency."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from rehab.pose.models import ENV_MODELS_DIR
from tests.browser_support import free_port, launch_chromium, screenshot_path, wait_healthy
from tests.conftest import Clip

REPO_ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TEST_ONLY_MODULES = {"rehab/store/pytest_plugin.py", "rehab/store/testing.py"}


def _declared(group: str | None = None) -> set[str]:
    project = PYPROJECT["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {Requirement(s).name.lower().replace("_", "-") for s in specs}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_imported_library_is_a_declared_dependency() -> None:
    by_module = packages_distributions()
    runtime, test_extra = _declared(), _declared("test") | _declared("postgres")
    missing = []
    for path in sorted((REPO_ROOT / "rehab").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        allowed = runtime | (test_extra if relative in TEST_ONLY_MODULES else set())
        for module in _imports(path) - set(sys.stdlib_module_names) - {"rehab", "__future__"}:
            dists = {d.lower().replace("_", "-") for d in by_module.get(module, [module])}
            if not dists & allowed:
                missing.append(f"{relative}: {module} ({', '.join(sorted(dists))})")
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(missing)
    assert {"pandas", "pillow", "mediapipe"} <= runtime
    assert not {"jax", "jaxlib", "opencv-python", "opencv-python-headless"} & runtime


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, (
        f"{' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A fresh venv with the wheel (no editable install, no test extras) and its env."""
    work = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env |= {"REHAB_HOME": str(work / "home"), ENV_MODELS_DIR: os.environ[ENV_MODELS_DIR]}
    python = sys.executable
    dist = work / "dist"
    _run(
        [python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO_ROOT)],
        work,
        env,
    )
    (wheel,) = dist.glob("rehab-*.whl")
    _run([python, "-m", "venv", str(work / "venv")], work, env)
    pip = [str(work / "venv/bin/python"), "-m", "pip", "install", "-q"]
    _run([*pip, "-c", str(REPO_ROOT / "constraints.txt"), str(wheel)], work, env)
    yield work / "venv/bin", env


@pytest.mark.slow
def test_the_wheel_carries_its_data(installed: tuple[Path, dict[str, str]]) -> None:
    bin_dir, env = installed
    names = (
        "py.typed",
        "_data/exercises/squat.yaml",
        "_data/migrations/env.py",
        "_data/questionnaires/lefs.yaml",
        "store/common_passwords.txt",
        "i18n/locales/es/LC_MESSAGES/messages.po",
        "dashboard/app.py",
    )
    code = (
        "import rehab, pathlib, sys; p = pathlib.Path(rehab.__file__).parent; "
        "print(*(str(int((p / n).exists())) for n in sys.argv[1:]), "
        "str(p).startswith(str(pathlib.Path.cwd())))"
    )
    found = _run([str(bin_dir / "python"), "-c", code, *names], bin_dir, env).split()
    assert found == ["1"] * len(names) + ["False"], dict(zip(names, found, strict=False))
    in_use = (
        "from rehab.questionnaires import load_questionnaires; "
        "from rehab.store.accounts import common_passwords; "
        "print(sorted(load_questionnaires().questionnaires), len(common_passwords()) > 1000)"
    )
    assert _run([str(bin_dir / "python"), "-c", in_use], bin_dir, env).split() == [
        "['lefs',",
        "'nprs',",
        "'psfs']",
        "True",
    ]


@pytest.mark.slow
@pytest.mark.video
def test_the_installed_rehab_works(
    installed: tuple[Path, dict[str, str]], clips: list[Clip]
) -> None:
    bin_dir, env = installed
    rehab = str(bin_dir / "rehab")
    here = bin_dir.parent.parent  # not the checkout: nothing is read from it
    assert "squat" in _run([rehab, "exercises", "list"], here, env)
    _run([rehab, "db", "upgrade"], here, env)
    assert (Path(env["REHAB_HOME"]) / "rehab.db").is_file()
    _run([rehab, "models", "check"], here, env)
    assert _run([str(bin_dir / "python"), "-m", "rehab", "--version"], here, env).startswith(
        "rehab "
    )
    clip = next(c for c in clips if c.name == "biceps_curl__standing_front.mp4")
    report = _run(
        [rehab, "analyze", str(clip.path), "--exercise", clip.exercise, "--json"], here, env
    )
    assert f'"reps": {clip.reps}' in report


@pytest.mark.slow
def test_rehab_serve_starts_the_dashboard_from_the_package(
    installed: tuple[Path, dict[str, str]],
) -> None:
    bin_dir, env = installed
    port = free_port()
    log = bin_dir.parent.parent / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(bin_dir / "rehab"), "serve", "--port", str(port), "--address", "127.0.0.1"],
            cwd=bin_dir.parent.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, log, timeout_s=120)
        with launch_chromium() as browser:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}")
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            page.screenshot(path=str(screenshot_path("installed-sign-in")))
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
