"""The `Database` handle: units of work that may write, read-only snapshots whose audit
entries are written after them, and database failures that come out as StoreError."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from rehab.core.results import Side
from rehab.domain import Role
from rehab.errors import StoreError
from rehab.store import Database, SessionRecorder, create_user, list_users, queries
from rehab.store.models import AuditEntry
from rehab.store.testing import T0, Clinic, make_rep, raw, sql_session

pytest_plugins = ["rehab.store.pytest_plugin"]


def audit_count(db: Database, resource: str) -> int:
    """Read entries of a resource in the audit log."""
    with sql_session(db) as s:
        return s.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.resource == resource, AuditEntry.action == "read"
            )
        )


def record_one(db: Database, clinic: Clinic) -> int:
    with SessionRecorder.start(db, clinic.pat_users[0], clinic.patients[0]) as recorder:
        recorder.begin_set("knee_extension", Side.LEFT)
        recorder.record_rep(make_rep(1))
    return recorder.session_id


def test_a_read_is_audited_when_it_ends(db: Database, clinic: Clinic) -> None:
    with db.read() as tx:
        assert tx.read_only
        patients = queries.list_patients(tx, clinic.ther_a, now=T0)
        assert audit_count(db, "patient_list") == 0  # not yet: written when the read ends
    assert len(patients) == 2
    assert audit_count(db, "patient_list") == 1


def test_a_read_that_fails_afterwards_is_still_audited(db: Database, clinic: Clinic) -> None:
    with pytest.raises(RuntimeError), db.read() as tx:
        queries.patient_detail(tx, clinic.ther_a, clinic.patients[0])
        raise RuntimeError("the page broke after reading")
    assert audit_count(db, "patient") == 1


def test_a_read_refuses_to_write(db: Database, clinic: Clinic) -> None:
    with pytest.raises(StoreError, match="read-only"), db.read() as tx:
        create_user(tx, clinic.admin, "sneaky", "Sneaky", Role.THERAPIST, "long-enough-pw")
    with db.transaction() as tx:
        assert "sneaky" not in {u.username for u in list_users(tx, clinic.admin)}


def test_a_read_is_one_snapshot_and_blocks_no_writer(db: Database, clinic: Clinic) -> None:
    record_one(db, clinic)
    with db.read() as tx:
        before = queries.list_sessions(tx, clinic.ther_a, clinic.patients[0])
        record_one(db, clinic)  # another unit of work commits meanwhile, without waiting
        again = queries.list_sessions(tx, clinic.ther_a, clinic.patients[0])
    assert len(before) == len(again) == 1  # the read saw one moment
    with db.transaction() as tx:
        assert len(queries.list_sessions(tx, clinic.ther_a, clinic.patients[0])) == 2


def test_database_failures_come_out_as_store_errors(db: Database) -> None:
    with pytest.raises(StoreError, match="no_such_table"), db.transaction() as tx:
        raw(tx).execute(text("SELECT * FROM no_such_table"))
    assert db.backend in {"sqlite", "postgresql"}
