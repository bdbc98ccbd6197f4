"""The on-device ingest with a real server on loopback: tokens, validation, limits, clamping,
two sessions at once, a dropped network that comes back (or does not).

The patient's page is played by a WebSocket client that sends synthetic landmark streams
(the same frames the browser would send); the server is the real ingest app under uvicorn,
with the real store (SQLite, and PostgreSQL when REHAB_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed

from rehab.core.landmarks import PoseFrame
from rehab.core.results import Side
from rehab.core.synthetic import synthetic_stream
from rehab.exercise_library import load_library
from rehab.live.ondevice import protocol as p
from rehab.live.ondevice.ingest import Services
from rehab.live.ondevice.settings import IngestSettings
from rehab.live.ondevice.tokens import LiveClaims, issue_token
from rehab.store import Database, queries
from rehab.store.models import AuditEntry, ExerciseSession, User
from rehab.store.testing import Clinic, sql_session
from tests.ondevice_support import SECRET, IngestServer

pytest_plugins = ["rehab.store.pytest_plugin"]

# replaying recorded frames faster than real time: the clock and rate checks relaxed
FAST = IngestSettings(rate_factor=1e6, burst_s=1e6, max_ahead_ms=1e12, max_fps=240.0)


@pytest.fixture(scope="module")
def knee_frames() -> list[PoseFrame]:
    """Six left knee extensions (the clinic's program counts them on the left)."""
    library = load_library()
    return list(synthetic_stream(library.get("knee_extension"), n_reps=6, side=Side.LEFT))


def services(db: Database) -> Services:
    library = load_library()
    return Services(lambda: db, lambda: library, SECRET)


@pytest.fixture
def server_factory(db: Database) -> Iterator[Any]:
    started: list[IngestServer] = []

    def make(settings: IngestSettings = FAST, every_batch: bool = True) -> IngestServer:
        """With `every_batch`, each batch is answered (the client waits for its update);
        else the production rule (test_quiet_batches_are_answered_now_and_then)."""
        if every_batch:
            settings = dataclasses.replace(settings, reply_every_s=0.0)
        server = IngestServer(services(db), settings).__enter__()
        started.append(server)
        return server

    yield make
    for server in started:
        server.__exit__(None, None, None)


def claims_for(db: Database, clinic: Clinic, n: int, **changes: Any) -> LiveClaims:
    """The claims the live page would sign for clinic patient `n`."""
    actor = clinic.pat_users[n]
    with db.transaction() as tx:
        program = queries.patient_detail(tx, actor, clinic.patients[n]).programs[0]
    claims = LiveClaims(
        user_id=actor.user_id,
        patient_id=clinic.patients[n],
        prescription_id=program.prescription_id,
        item_ids=tuple(item.item_id for item in program.items),
        language="en",
        pain_before=2,
    )
    return claims.model_copy(update=changes)


def token_for(
    db: Database, clinic: Clinic, n: int = 0, ttl_s: float = 600.0, **changes: Any
) -> str:
    return issue_token(SECRET, claims_for(db, clinic, n, **changes), ttl_s)


def stored_sessions(db: Database) -> list[tuple[str, str, int, list[str | None]]]:
    """(status, source, complete reps, each set's pose model) of every session."""
    with sql_session(db) as s:
        rows = s.scalars(select(ExerciseSession).order_by(ExerciseSession.id)).all()
        return [
            (
                r.status,
                r.source,
                sum(rep.complete for x in r.sets for rep in x.reps),
                [x.pose_model for x in r.sets],
            )
            for r in rows
        ]


def refusals(db: Database) -> list[tuple[int | None, int | None, str]]:
    with sql_session(db) as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "refuse").order_by(AuditEntry.id)
        ).all()
        return [(r.user_id, r.patient_id, r.detail) for r in rows]


def drop(client: Any) -> None:
    """The connection dies without a close handshake (a network drop)."""
    client.ws.socket.shutdown(socket.SHUT_RDWR)
    client.ws.socket.close()


def wait_for(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


# -- a whole session --------------------------------------------------------------------------


def test_landmarks_are_counted_saved_as_on_device_and_finished(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory()
    with server.client() as client:
        ready = client.hello(token_for(db, clinic))
        assert ready["resumed"] is False and ready["status"]["phase"] == "setup"
        assert ready["status"]["saved_text"] == "0 reps saved"  # the plural rule, server-side
        assert ready["token"]  # a fresh token, for a reconnection
        client.send_frames(knee_frames)
        assert client.last_status["reps"] == 6
        assert client.last_status["phase"] == "counting"
        assert "6" in client.said and any("Start" in s for s in client.said)
        client.send_json({"type": "stop"})
        finished = next(m for m in iter(client.receive, None) if m["type"] == "finished")
        assert client.closed() == (1000, "session finished")
    assert stored_sessions(db) == [("completed", "on_device", 6, ["blazepose-full"])]
    assert isinstance(finished["session_id"], int)


def test_the_model_in_use_is_stored_with_each_set(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory()
    with server.client() as client:
        client.hello(token_for(db, clinic), model="full")
        client.send_json({"type": "model", "model": "lite", "fps": 12})  # a slow device
        client.receive()
        client.send_frames(knee_frames[:200])
        client.send_json({"type": "end_set"})
        client.receive()
        # the set's row, not only the session's: the writer saves them one after the other
        wait_for(lambda: any(row[3] for row in stored_sessions(db)), 20, "the set row")
    assert stored_sessions(db)[0][3] == ["blazepose-lite"]


# -- tokens -----------------------------------------------------------------------------------


def _refused(server: IngestServer, token: str) -> tuple[int, str]:
    with server.client() as client:
        client.send_json({"type": "hello", "v": 1, "token": token, "model": "full", "fps": 15,
                          "width": 640, "height": 480})  # fmt: skip
        return client.closed()


def test_missing_expired_tampered_and_foreign_tokens_are_refused_and_audited(
    db: Database, clinic: Clinic, server_factory: Any
) -> None:
    server = server_factory()
    good = token_for(db, clinic)
    head, body, signature = good.split(".")
    tampered_body = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    other_patient = token_for(db, clinic, 0, patient_id=clinic.patients[1])
    other_program = token_for(db, clinic, 0, prescription_id=clinic.programs[1])
    cases = {
        "missing": "",
        "expired": issue_token(SECRET, claims_for(db, clinic, 0), -1.0),
        "tampered": f"{head}.{tampered_body}.{signature}",
        "other secret": issue_token(b"x" * 40, claims_for(db, clinic, 0), 600),
        "other patient": other_patient,
        "other program": other_program,
    }
    closes = {name: _refused(server, token) for name, token in cases.items()}
    assert closes["missing"] == (4401, "token refused: no token")
    assert closes["expired"][0] == 4401 and "expired" in closes["expired"][1]
    assert closes["tampered"][0] == 4401 and "signature" in closes["tampered"][1]
    assert closes["other secret"][0] == 4401
    assert (
        closes["other patient"][0] == 4403 and "is not the record of" in closes["other patient"][1]
    )
    assert (
        closes["other program"][0] == 4403 and "not today's program" in closes["other program"][1]
    )
    audited = refusals(db)
    assert len(audited) == len(cases)
    user0 = clinic.pat_users[0].user_id
    # the claimed ids are kept when they exist (a tampered token's only in the detail text)
    assert (user0, clinic.patients[1], audited[4][2]) == audited[4]
    assert all(detail for _, _, detail in audited)
    assert stored_sessions(db) == []


def test_a_token_for_a_deactivated_user_is_refused(
    db: Database, clinic: Clinic, server_factory: Any
) -> None:
    server = server_factory()
    token = token_for(db, clinic)
    with sql_session(db) as s:
        user = s.get(User, clinic.pat_users[0].user_id)
        assert user is not None
        user.is_active = False
    code, reason = _refused(server, token)
    assert code == 4401 and "deactivated" in reason


# -- malformed messages, limits ---------------------------------------------------------------


def _frame_bytes(t_ms: list[float], values: np.ndarray | None = None) -> bytes:
    block = values if values is not None else np.full((33, 7), 0.5, np.float32)
    return p.encode_batch(1, t_ms, [block for _ in t_ms])


BAD_MESSAGES: dict[str, tuple[Any, int, str]] = {
    "not json": ("{oops", 4400, "bad message"),
    "unknown type": ('{"type": "dance"}', 4400, "bad message"),
    "hello twice": (None, 4400, "hello was already sent"),
    "short binary": (b"RF\x01", 4400, "shorter than the header"),
    "wrong magic": (b"XX" + _frame_bytes([1.0])[2:], 4400, "bad magic"),
    "wrong length": (_frame_bytes([1.0])[:-4], 4400, "must be"),
    "too many frames": (_frame_bytes([float(t) for t in range(1, 41)]), 4400, "batch of 40"),
    "huge message": (_frame_bytes([float(t) for t in range(1, 201)]), 1009, "exceeds limit"),
    "nan": (_frame_bytes([1.0], np.full((33, 7), np.nan, np.float32)), 4400, "NaN or infinite"),
    "inf time": (_frame_bytes([float("inf")]), 4400, "not a finite number"),
    "backwards": (_frame_bytes([5.0, 3.0]), 4400, "go forwards"),
    "text too big": ('{"type": "stop", "x": "' + "a" * 10000 + '"}', 4400, "over 4096 bytes"),
}


@pytest.mark.parametrize("case", sorted(BAD_MESSAGES))
def test_malformed_messages_close_with_a_clear_reason(
    case: str, db: Database, clinic: Clinic, server_factory: Any
) -> None:
    message, code, reason = BAD_MESSAGES[case]
    server = server_factory(IngestSettings())
    with server.client() as client:
        hello = client.hello(token_for(db, clinic))
        assert hello["type"] == "ready"
        if message is None:
            client.send_json({"type": "hello", "v": 1, "token": "x", "model": "full", "fps": 15,
                              "width": 640, "height": 480})  # fmt: skip
        else:
            client.ws.send(message)
        got_code, got_reason = client.closed()
    assert got_code == code and reason in got_reason, (got_code, got_reason)


def test_a_first_message_that_is_not_hello_is_refused(
    db: Database, clinic: Clinic, server_factory: Any
) -> None:
    server = server_factory(IngestSettings())
    with server.client() as client:
        client.ws.send(_frame_bytes([1.0]))
        assert client.closed() == (4400, "the first message must be hello")


def test_silence_before_hello_and_a_foreign_origin_are_closed(
    db: Database, clinic: Clinic, server_factory: Any
) -> None:
    server = server_factory(IngestSettings(hello_timeout_s=0.5))
    with server.client() as client:
        assert client.closed() == (4408, "no hello in time")
    with server.client(origin="https://evil.example") as client:
        assert client.closed() == (4403, "origin not allowed")


def test_out_of_range_values_are_clamped_not_refused(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory()
    wild = np.full((33, 7), 0.5, np.float32)
    wild[:, 3] = 7.0  # visibility above 1
    wild[:, 0] = -50.0  # far outside the picture
    wild[:, 4:7] = 1e6  # a million metres
    with server.client() as client:
        client.hello(token_for(db, clinic))
        client.ws.send(p.encode_batch(1, [1.0], [wild]))
        assert client.receive()["type"] == "update"
        client.send_frames([dataclasses.replace(f, t_ms=f.t_ms + 10.0) for f in knee_frames])
        assert client.last_status["reps"] == 6
    session = next(iter(server.hub.sessions.values()))
    assert session.clamped == 33 * 5


def _at_rate(frames: list[PoseFrame], n: int, period_ms: float) -> list[PoseFrame]:
    """`n` frames (the stream repeated as needed) captured `period_ms` apart from 1 ms."""
    return [
        dataclasses.replace(frames[k % len(frames)], t_ms=1.0 + k * period_ms) for k in range(n)
    ]


def _send_all(client: Any, frames: list[PoseFrame], per_batch: int) -> None:
    """Batches sent without waiting for their replies (as they reach a late server)."""
    for start in range(0, len(frames), per_batch):
        client.seq += 1
        chunk = frames[start : start + per_batch]
        values = [p.frame_values(f) for f in chunk]
        client.ws.send(p.encode_batch(client.seq, [f.t_ms for f in chunk], values))


def _connection(server: Any) -> Any:
    (conn,) = server.hub.attached.values()
    return conn


def test_quiet_batches_are_answered_now_and_then(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    """A batch with nothing to tell (no status change, words, token or dropped frames) gets
    no answer until `reply_every_s` has passed (never, here); every change still comes at
    once, in order, and an answer to a batch stands for the batches before it."""
    server = server_factory(dataclasses.replace(FAST, reply_every_s=3600.0), every_batch=False)
    with server.client() as client:
        client.hello(token_for(db, clinic))
        _send_all(client, knee_frames, 2)
        client.send_json({"type": "model", "model": "full"})  # answered: after every batch
        replies = [client.receive()]
        while replies[-1]["seq"] != -1:
            replies.append(client.receive())
    batches = [r for r in replies if r["seq"] != -1]
    assert all(r.keys() - {"type", "seq"} for r in batches), "a quiet batch was answered"
    assert 0 < len(batches) < client.seq / 2  # most batches have nothing to tell
    seqs = [r["seq"] for r in batches]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert client.last_status["reps"] == 6 and "6" in client.said


def test_a_burst_after_a_stall_is_worked_on_not_closed(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    """A server that fell behind reads 9 s of a 15 fps device's frames at once: their capture
    times are 1/15 s apart, so every frame is worked on and the session goes on."""
    server = server_factory(IngestSettings())  # the production limits
    frames = _at_rate(knee_frames, 1 + 135, 1000 / 15)
    with server.client() as client:
        client.hello(token_for(db, clinic), fps=15)
        client.send_batch(frames[:1])
        _send_all(client, frames[1:], 3)  # queued in the network, arriving together
        replies = [client.receive() for _ in range(client.seq - 1)]
        assert [r["seq"] for r in replies] == list(range(2, client.seq + 1))
        assert _connection(server).budget.dropped == 0
        session = next(iter(server.hub.sessions.values()))
        assert session.frames == len(frames)


def test_frames_closer_than_the_rate_allows_are_dropped_not_closed(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    """80 frames 1 ms apart (a device clock's hiccup): the burst allowance (4 s of 15 fps)
    is worked on, the rest dropped; the session goes on at 15 fps."""
    server = server_factory(IngestSettings())
    hiccup = _at_rate(knee_frames, 80, 1.0)
    after = [dataclasses.replace(f, t_ms=f.t_ms + 1000.0) for f in _at_rate(knee_frames, 20, 66.7)]
    with server.client() as client:
        client.hello(token_for(db, clinic), fps=15)
        replies = [client.send_batch(hiccup[k : k + 2]) for k in range(0, len(hiccup), 2)]
        dropped = _connection(server).budget.dropped
        assert 10 <= dropped <= 80 - 60
        assert sum(r.get("dropped", 0) for r in replies) == dropped  # the page is told
        client.send_frames(after)
        assert _connection(server).budget.dropped == dropped
        session = next(iter(server.hub.sessions.values()))
        assert session.frames == 80 + 20 - dropped


def test_a_sustained_flood_at_ten_times_the_declared_rate_is_closed(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory(IngestSettings())
    flood = _at_rate(knee_frames, 600, 1000 / 150)  # ten times 15 fps, for 4 s
    with server.client() as client:
        client.hello(token_for(db, clinic), fps=15)
        with contextlib.suppress(ConnectionClosed):  # closed while still sending
            _send_all(client, flood, 2)
        code, reason = client.closed()
    assert code == 4429
    assert reason == "frames keep coming faster than 3x the declared 15 fps"


def test_times_that_run_ahead_of_the_clock_are_refused(
    db: Database, clinic: Clinic, server_factory: Any
) -> None:
    server = server_factory(IngestSettings(rate_factor=1e6, burst_s=1e6))
    with server.client() as client:
        client.hello(token_for(db, clinic))
        client.ws.send(_frame_bytes([1.0]))
        client.receive()
        client.ws.send(_frame_bytes([60_000.0]))  # a minute later, a moment after
        assert client.closed() == (4400, "frame times run ahead of the clock")


def test_a_flood_of_connections_from_one_address_is_refused(
    db: Database, clinic: Clinic, server_factory: Any
) -> None:
    server = server_factory(IngestSettings(max_connections_per_client=3, max_attempts_per_client=5))
    token = token_for(db, clinic)
    with server.client() as a, server.client() as b, server.client() as c:
        with server.client() as d:
            assert d.closed() == (4429, "more than 3 connections at once from this address")
        a.hello(token)
        assert b and c
    with server.client() as e:
        e.hello(token)  # the fifth this minute
    with server.client() as f:
        assert f.closed() == (4429, "more than 5 connections a minute from this address")


def test_bad_clients_do_not_disturb_another_patients_session(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    """Patient 1 counts 6 reps while patient 0's page sends every kind of bad message."""
    server = server_factory()
    healthy: dict[str, Any] = {}

    def patient_one() -> None:
        with server.client() as client:
            client.hello(token_for(db, clinic, 1))
            for start in range(0, len(knee_frames), 2):
                client.send_batch(knee_frames[start : start + 2])
                time.sleep(0.002)
            healthy["status"] = client.last_status

    worker = threading.Thread(target=patient_one)
    worker.start()
    codes = []
    for message, _, _ in BAD_MESSAGES.values():
        if message is None:
            continue
        with server.client() as client:
            client.hello(token_for(db, clinic, 0))
            client.ws.send(message)
            codes.append(client.closed()[0])
    worker.join(120)
    assert healthy["status"]["reps"] == 6
    assert set(codes) == {4400, 1009}  # 1009: over the server's message size
    assert [s[2] for s in stored_sessions(db) if s[2]] == [6]


# -- two sessions, reconnection, a network that never comes back -----------------------------


def test_two_patients_at_once_are_counted_apart(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory()
    with server.client() as one, server.client() as two:
        one.hello(token_for(db, clinic, 0))
        two.hello(token_for(db, clinic, 1))
        half = len(knee_frames) // 2
        for start in range(0, len(knee_frames), 4):
            one.send_batch(knee_frames[start : start + 4])
            if start < half:
                two.send_batch(knee_frames[start : start + 4])
        assert (one.last_status["reps"], two.last_status["reps"]) == (6, 3)
    wait_for(lambda: sorted(s[2] for s in stored_sessions(db)) == [3, 6], 20, "both saved")


def test_a_dropped_connection_resumes_the_same_set_within_the_grace_period(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory(dataclasses.replace(FAST, grace_s=30.0))
    half = len(knee_frames) // 2
    with server.client() as client:
        client.hello(token_for(db, clinic, ttl_s=2.0))
        client.send_frames(knee_frames[:half])
        before = client.last_status["reps"]
        fresh = client.token
        drop(client)  # the network drops: no close handshake
    assert 1 <= before < 6
    time.sleep(2.5)  # the page's own token has expired meanwhile
    with server.client() as again:
        ready = again.hello(fresh)  # the server's fresh token
        assert ready["resumed"] is True
        assert (ready["status"]["set"], ready["status"]["reps"]) == (1, before)
        again.send_frames([dataclasses.replace(f, t_ms=f.t_ms + 1e5) for f in knee_frames[half:]])
        assert again.last_status["reps"] == 6
    wait_for(lambda: stored_sessions(db) == [("in_progress", "on_device", 6, ["blazepose-full"])],
             20, "one session, one set")  # fmt: skip


def test_a_network_that_never_comes_back_leaves_an_interrupted_session_with_its_reps(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    settings = dataclasses.replace(
        FAST, grace_s=0.5, idle_s=0.5, cut_off=dt.timedelta(seconds=1.5), reaper_every_s=0.3
    )
    server = server_factory(settings)
    with server.client() as client:
        client.hello(token_for(db, clinic))
        client.send_frames(knee_frames[: len(knee_frames) // 2])
        counted = client.last_status["reps"]
        drop(client)
    wait_for(lambda: stored_sessions(db) and stored_sessions(db)[0][0] == "interrupted", 30,
             "the session closed as interrupted")  # fmt: skip
    assert stored_sessions(db) == [("interrupted", "on_device", counted, ["blazepose-full"])]
    wait_for(lambda: server.hub.sessions == {}, 10, "the hub to let the session go")


def test_opening_the_session_again_elsewhere_takes_it_over(
    db: Database, clinic: Clinic, server_factory: Any, knee_frames: list[PoseFrame]
) -> None:
    server = server_factory()
    with server.client() as first, server.client() as second:
        first.hello(token_for(db, clinic))
        first.send_frames(knee_frames[:300])
        ready = second.hello(token_for(db, clinic))
        assert ready["resumed"] is True
        assert first.closed() == (4409, "the session was opened again elsewhere")


def test_decoding_checks_lengths_exactly() -> None:
    values = np.full((33, 7), 0.25, np.float32)
    data = p.encode_batch(7, [1.0, 2.0, 3.0], [values, None, values])
    batch = p.decode_batch(data, 32)
    assert (batch.seq, len(batch), batch.people.tolist()) == (7, 3, [1, 0, 1])
    assert len(data) == p.batch_size(3, 2) == 8 + 24 + 4 + 2 * 924
    frames = batch.pose_frames(batch.t_ms, (640, 480))
    assert [f.detected for f in frames] == [True, False, True]
    header = struct.pack("<2sBBI", b"RF", 1, 3, 7)
    with pytest.raises(p.ProtocolViolation, match="must be"):
        p.decode_batch(header + data[8:] + b"\0\0\0\0", 32)
