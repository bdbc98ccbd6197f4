"""`rehab db upgrade|current`, `rehab user add`, `rehab patient add` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rehab.store.migrate import head_revision

REPO_ROOT = Path(__file__).resolve().parent.parent


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
        REHAB_NEW_PASSWORD="admin-pass-phrase-1",
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
        REHAB_NEW_PASSWORD="t1-pass-phrase-1",
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
        REHAB_NEW_PASSWORD="t1-pass-phrase-1",
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
        REHAB_NEW_PASSWORD="t1-pass-phrase-1",
        REHAB_ADMIN_PASSWORD="admin-pass-phrase-1",
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
        REHAB_NEW_PASSWORD="p1-pass-phrase-1",
        REHAB_ADMIN_PASSWORD="admin-pass-phrase-1",
    )
    assert patient.returncode == 0, patient.stderr
    assert "created patient 'p1' (patient #1)" in patient.stdout


def test_unreachable_database_is_one_line_error(tmp_path: Path) -> None:
    bad = rehab(tmp_path, "db", "upgrade", "--url", f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert bad.returncode == 2
    assert bad.stderr.startswith("rehab: error: sqlite:///") and "does not exist" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_demo_if_empty_leaves_a_clinic_with_accounts_alone(tmp_path: Path) -> None:
    for args, password in (
        (["user", "add", "root", "--name", "Root", "--role", "admin"], "admin-pass-phrase-1"),
        (["user", "add", "t1", "--name", "T", "--role", "therapist", "--admin", "root"],
         "t1-pass-phrase-1"),
        (["patient", "add", "p1", "--name", "P", "--therapist", "t1", "--condition", "knee",
          "--side", "left", "--admin", "root"], "p1-pass-phrase-1"),
    ):  # fmt: skip
        done = rehab(tmp_path, *args, REHAB_NEW_PASSWORD=password,
                     REHAB_ADMIN_PASSWORD="admin-pass-phrase-1")  # fmt: skip
        assert done.returncode == 0, done.stderr
    skipped = rehab(tmp_path, "demo", "--if-empty")
    assert skipped.returncode == 0, skipped.stderr
    assert "has accounts already; no demo added" in skipped.stdout
    bad = rehab(tmp_path, "demo", "--weeks", "0")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "rehab: error: argument --weeks: expected a number from 1 to 104, got 0 "
        "(see `rehab demo --help`)"
    )


def test_an_admin_deactivates_reactivates_and_resets_from_the_command_line(
    tmp_path: Path,
) -> None:
    admin = {"REHAB_ADMIN_PASSWORD": "admin-pass-phrase-1"}
    for args, password in (
        (["user", "add", "root", "--name", "Root", "--role", "admin"], "admin-pass-phrase-1"),
        (["user", "add", "t1", "--name", "T", "--role", "therapist", "--admin", "root"],
         "t1-pass-phrase-1"),
    ):  # fmt: skip
        assert rehab(tmp_path, *args, REHAB_NEW_PASSWORD=password, **admin).returncode == 0
    as_t1 = ["--admin", "t1"]  # t1 acting as an admin: refused (t1 signs in, is no admin)
    refused = rehab(tmp_path, "user", "deactivate", "root", *as_t1,
                    REHAB_ADMIN_PASSWORD="t1-pass-phrase-1")  # fmt: skip
    assert refused.returncode == 2 and "only a admin" in refused.stderr
    off = rehab(tmp_path, "user", "deactivate", "T1", "--admin", "root", **admin)
    assert off.returncode == 0, off.stderr
    assert "T1: deactivated" in off.stdout
    locked_out = rehab(tmp_path, "user", "deactivate", "root", *as_t1,
                       REHAB_ADMIN_PASSWORD="t1-pass-phrase-1")  # fmt: skip
    assert locked_out.returncode == 2 and "wrong username or password" in locked_out.stderr
    on = rehab(tmp_path, "user", "reactivate", "t1", "--admin", "root", **admin)
    assert on.returncode == 0, on.stderr
    weak = rehab(tmp_path, "user", "reset-password", "t1", "--admin", "root",
                 REHAB_NEW_PASSWORD="password123", **admin)  # fmt: skip
    assert weak.returncode == 2
    assert weak.stderr.strip() == "rehab: error: password too short: use at least 12 " \
        "characters, or a passphrase of 4 words or more"  # fmt: skip
    reset = rehab(tmp_path, "user", "reset-password", "t1", "--admin", "root",
                  REHAB_NEW_PASSWORD="a-fresh-long-phrase", **admin)  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    nobody = rehab(tmp_path, "user", "deactivate", "ghost", "--admin", "root", **admin)
    assert nobody.returncode == 2 and "no user 'ghost'" in nobody.stderr
    self_off = rehab(tmp_path, "user", "deactivate", "root", "--admin", "root", **admin)
    assert self_off.returncode == 2 and "your own account" in self_off.stderr
