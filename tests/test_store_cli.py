"""`rehab db upgrade|current`, `rehab user add`, `rehab patient add` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rehab.store.migrate import REPO_ROOT, head_revision


def rehab(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "REHAB_DATABASE_URL"}
    environment.update(REHAB_HOME=str(home), **env)
    return subprocess.run(
        [sys.executable, "-m", "rehab.cli", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    before = rehab(tmp_path, "db", "current")
    assert before.returncode == 0 and "none (empty)" in before.stdout
    first = rehab(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert f"upgraded empty -> {head_revision()}" in first.stdout
    assert (tmp_path / "rehab.db").is_file()
    again = rehab(tmp_path, "db", "upgrade")
    assert "already at revision" in again.stdout
    now = rehab(tmp_path, "db", "current")
    assert f"revision {head_revision()}, up to date" in now.stdout


def test_users_and_patients(tmp_path: Path) -> None:
    admin = rehab(
        tmp_path,
        "user",
        "add",
        "root",
        "--name",
        "Root",
        "--role",
        "admin",
        REHAB_NEW_PASSWORD="root-password",
    )
    assert admin.returncode == 0, admin.stderr
    refused = rehab(
        tmp_path,
        "user",
        "add",
        "t1",
        "--name",
        "T",
        "--role",
        "therapist",
        REHAB_NEW_PASSWORD="t1-password",
    )
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "rehab: error: only an admin can create users (the first user must be an admin)"
    )
    wrong = rehab(
        tmp_path,
        "user",
        "add",
        "t1",
        "--name",
        "T",
        "--role",
        "therapist",
        "--admin",
        "root",
        REHAB_NEW_PASSWORD="t1-password",
        REHAB_ADMIN_PASSWORD="nope",
    )
    assert wrong.returncode == 2 and "wrong username or password" in wrong.stderr
    ok = rehab(
        tmp_path,
        "user",
        "add",
        "t1",
        "--name",
        "T",
        "--role",
        "therapist",
        "--admin",
        "root",
        REHAB_NEW_PASSWORD="t1-password",
        REHAB_ADMIN_PASSWORD="root-password",
    )
    assert ok.returncode == 0, ok.stderr
    patient = rehab(
        tmp_path,
        "patient",
        "add",
        "p1",
        "--name",
        "P",
        "--therapist",
        "t1",
        "--condition",
        "ACL reconstruction",
        "--side",
        "right",
        "--admin",
        "root",
        REHAB_NEW_PASSWORD="p1-password",
        REHAB_ADMIN_PASSWORD="root-password",
    )
    assert patient.returncode == 0, patient.stderr
    assert "created patient 'p1' (patient #1)" in patient.stdout


def test_unreachable_database_is_one_line_error(tmp_path: Path) -> None:
    bad = rehab(tmp_path, "db", "upgrade", "--url", f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert bad.returncode == 2
    assert bad.stderr.startswith("rehab: error: sqlite:///") and "does not exist" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_demo_if_empty_leaves_a_clinic_with_patients_alone(tmp_path: Path) -> None:
    for args, password in (
        (["user", "add", "root", "--name", "Root", "--role", "admin"], "root-password"),
        (["user", "add", "t1", "--name", "T", "--role", "therapist", "--admin", "root"],
         "t1pw-long"),
        (["patient", "add", "p1", "--name", "P", "--therapist", "t1", "--condition", "knee",
          "--side", "left", "--admin", "root"], "p1pw-long"),
    ):  # fmt: skip
        done = rehab(tmp_path, *args, REHAB_NEW_PASSWORD=password,
                     REHAB_ADMIN_PASSWORD="root-password")  # fmt: skip
        assert done.returncode == 0, done.stderr
    skipped = rehab(tmp_path, "demo", "--if-empty")
    assert skipped.returncode == 0, skipped.stderr
    assert "has patients already; no demo added" in skipped.stdout
    bad = rehab(tmp_path, "demo", "--weeks", "0")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "rehab: error: argument --weeks: expected a number from 1 to 104, got 0 "
        "(see `rehab demo --help`)"
    )
