"""The on-device ingest: a WebSocket endpoint that turns landmark batches into counted reps.

    hub = IngestHub()                              # one per server process
    WebSocketRoute("/ondevice/ws", hub.endpoint)

Per connection: admission (per-address limits, the Origin), the `hello` within a few seconds,
the token (signature, expiry), the claims against the store (in a worker thread), then the
session: a new one, or the same one again when the patient comes back within the grace
period (a dropped network, a reloaded page), or taken over from another tab. Each batch is
checked (`protocol.decode_batch`), its times must go forwards and not run ahead of the
server's clock; frames whose capture times come faster than a few times the declared rate
are dropped (a sustained flood of them closes the connection: `limits.FrameBudget`); the
flow runs on its frames in the event loop (about 0.1 ms a frame) and the answer goes back at
once when it carries something: the batch's `seq`, the status when it changed, the words to
speak, a fresh token, how many of its frames were dropped; a batch with nothing to say is
answered (its `seq` alone, for the page's round-trip figures) only when `reply_every_s` has
passed since the connection's last reply: most batches need no socket write. Saving is the
session writer's thread; reading the store is the hub's small thread pool. A broken message
closes its own connection with a code and a reason, nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from rehab.errors import RehabError
from rehab.exercise_library import ExerciseLibrary
from rehab.live.ondevice import protocol as p
from rehab.live.ondevice.authorize import Authorized, Refused, authorize
from rehab.live.ondevice.limits import ClientLimiter, FrameBudget
from rehab.live.ondevice.live import OnDeviceSession, SessionKey
from rehab.live.ondevice.settings import IngestSettings
from rehab.live.ondevice.tokens import (
    LiveClaims,
    TokenRefused,
    issue_token,
    unverified_ids,
    verify_token,
)
from rehab.store import Database, close_stale_sessions, record_refusal

log = logging.getLogger(__name__)
T = TypeVar("T")
TOKEN_RESOURCE = "live_token"


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass
class Connection:
    """One WebSocket's state: its client, what it declared, its clocks and budget."""

    ws: WebSocket
    client: str
    hello: p.Hello | None = None
    budget: FrameBudget | None = None
    key: SessionKey | None = None
    claims: LiveClaims | None = None
    replaced: bool = False
    last_client_ms: float = float("-inf")
    first: tuple[float, float] | None = None  # (client ms, monotonic s) of its first frame
    last_status: dict[str, object] = field(default_factory=dict)
    token_at: float = field(default_factory=time.monotonic)
    replied_at: float = float("-inf")  # monotonic s of the last message sent to it


@dataclass
class Services:
    """What the hub reads: the database, the exercise library, the token secret. Opened on
    first use (in a worker thread), so building the routes costs nothing."""

    open_db: Callable[[], Database]
    open_library: Callable[[], ExerciseLibrary]
    secret: bytes
    today: Callable[[], dt.date] = utc_today
    _db: Database | None = None
    _library: ExerciseLibrary | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def db(self) -> Database:
        with self._lock:
            if self._db is None:
                self._db = self.open_db()
            return self._db

    def library(self) -> ExerciseLibrary:
        with self._lock:
            if self._library is None:
                self._library = self.open_library()
            return self._library


class IngestHub:
    """The process's live on-device sessions and the endpoint that feeds them."""

    def __init__(self, services: Services, settings: IngestSettings | None = None) -> None:
        self.services = services
        self.settings = settings or IngestSettings()
        s = self.settings
        self.limiter = ClientLimiter(
            s.max_connections_per_client, s.max_attempts_per_client, s.max_refusal_audits_per_client
        )
        self.sessions: dict[SessionKey, OnDeviceSession] = {}
        self.attached: dict[SessionKey, Connection] = {}
        self._grace: dict[SessionKey, asyncio.TimerHandle] = {}
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rehab-ingest")
        self._reaper: asyncio.Task[None] | None = None
        self.allowed_origins: set[str] = set()  # besides the request's own host

    # -- plumbing -----------------------------------------------------------------------------

    async def _in_thread(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        """The store's one rule for stale sessions, now and then (an abandoned session is
        closed as interrupted once quiet for the cut-off)."""
        while True:
            await asyncio.sleep(self.settings.reaper_every_s)
            self.limiter.sweep()
            try:
                await self._in_thread(self._close_stale)
            except RehabError:
                log.exception("closing stale sessions failed; trying again later")

    def _close_stale(self) -> None:
        close_stale_sessions(self.services.db(), quiet_for=self.settings.cut_off)

    def close(self) -> None:
        """Stop the reaper and the pool (tests and a shutting-down server)."""
        if self._reaper is not None:
            self._reaper.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the endpoint -------------------------------------------------------------------------

    async def endpoint(self, ws: WebSocket) -> None:
        client = ws.client.host if ws.client else "unknown"
        self._start_reaper()
        refused = self.limiter.admit(client)
        await ws.accept()
        if refused:
            await _close(ws, p.CLOSE_TOO_MANY, refused)
            return
        conn = Connection(ws, client)
        try:
            await self._serve(conn)
        except p.ProtocolViolation as exc:
            log.info("closing an ingest connection: %s", exc.reason)
            await _close(ws, exc.code, exc.reason)
        except (WebSocketDisconnect, TimeoutError):
            pass
        finally:
            self.limiter.release(client)
            self._detach(conn)

    def _origin_ok(self, ws: WebSocket) -> bool:
        origin = ws.headers.get("origin", "")
        host = urlsplit(origin).netloc
        return bool(host) and (host == ws.headers.get("host") or origin in self.allowed_origins)

    async def _serve(self, conn: Connection) -> None:
        if not self._origin_ok(conn.ws):
            raise p.ProtocolViolation(p.CLOSE_FORBIDDEN, "origin not allowed")
        hello = await self._receive_hello(conn)
        authorized = await self._authorize(conn, hello)
        session, resumed = await self._attach(conn, authorized, hello)
        await self._send(conn, self._ready(conn, session, authorized, resumed))
        await self._run(conn, session)

    async def _receive_hello(self, conn: Connection) -> p.Hello:
        try:
            message = await asyncio.wait_for(conn.ws.receive(), self.settings.hello_timeout_s)
        except TimeoutError as exc:
            raise p.ProtocolViolation(p.CLOSE_TIMEOUT, "no hello in time") from exc
        text = _text_of(message)
        parsed = p.parse_text(text, self.settings.max_text_bytes) if text is not None else None
        if not isinstance(parsed, p.Hello):
            raise p.ProtocolViolation(p.CLOSE_BAD_MESSAGE, "the first message must be hello")
        if parsed.fps > self.settings.max_fps:
            most = self.settings.max_fps
            raise p.ProtocolViolation(
                p.CLOSE_BAD_MESSAGE, f"declared {parsed.fps:g} fps (at most {most:g})"
            )
        conn.hello = parsed
        s = self.settings
        conn.budget = FrameBudget(parsed.fps, s.rate_factor, s.burst_s, s.flood_s)
        return parsed

    async def _authorize(self, conn: Connection, hello: p.Hello) -> Authorized:
        try:
            claims = verify_token(self.services.secret, hello.token)
            db = await self._in_thread(self.services.db)
            return await self._in_thread(lambda: authorize(db, claims, self.services.today()))
        except TokenRefused as exc:
            await self._audit_refusal(conn, hello.token, str(exc))
            raise p.ProtocolViolation(p.CLOSE_UNAUTHORIZED, f"token refused: {exc}") from exc
        except Refused as exc:
            if exc.code != p.CLOSE_SERVER_ERROR:
                await self._audit_refusal(conn, hello.token, exc.reason)
            raise p.ProtocolViolation(exc.code, exc.reason) from exc

    async def _audit_refusal(self, conn: Connection, token: str, reason: str) -> None:
        if not self.limiter.may_audit(conn.client):
            log.warning("refused a live token (not audited: too many from one address): %s", reason)
            return
        user_id, patient_id = unverified_ids(token)
        db = await self._in_thread(self.services.db)
        await self._in_thread(
            lambda: record_refusal(
                db, TOKEN_RESOURCE, reason, user_id=user_id, patient_id=patient_id
            )
        )

    # -- sessions -----------------------------------------------------------------------------

    async def _attach(
        self, conn: Connection, authorized: Authorized, hello: p.Hello
    ) -> tuple[OnDeviceSession, bool]:
        claims = authorized.claims
        key = SessionKey(claims.patient_id, claims.prescription_id)
        library = await self._in_thread(self.services.library)
        db = await self._in_thread(self.services.db)
        session = self.sessions.get(key)  # no await from here to the registration
        resumed = session is not None and not session.closed
        if session is None or session.closed:
            if len(self.sessions) >= self.settings.max_sessions:
                raise p.ProtocolViolation(p.CLOSE_SERVER_FULL, "this server is full; try again")
            session = OnDeviceSession(
                key, authorized.actor, authorized.plans, library.get, db,
                language=claims.language, pain_before=claims.pain_before,
                idle_s=self.settings.idle_s,
            )  # fmt: skip
            self.sessions[key] = session
        previous = self.attached.get(key)
        timer = self._grace.pop(key, None)
        if timer is not None:
            timer.cancel()
        conn.key = key
        self.attached[key] = conn
        session.new_connection(hello.model)
        if previous is not None:
            previous.replaced = True
            await _close(previous.ws, p.CLOSE_REPLACED, "the session was opened again elsewhere")
        return session, resumed

    def _detach(self, conn: Connection) -> None:
        """The connection is gone: unless it was replaced or the session ended, the session
        waits for the patient for the grace period."""
        key = conn.key
        if key is None or conn.replaced or self.attached.get(key) is not conn:
            return
        del self.attached[key]
        session = self.sessions.get(key)
        if session is None or session.closed:
            self.sessions.pop(key, None)
            return
        loop = asyncio.get_running_loop()
        self._grace[key] = loop.call_later(self.settings.grace_s, self._expire, key, session)
        log.info("patient #%d's connection dropped: waiting", key.patient_id)

    def _expire(self, key: SessionKey, session: OnDeviceSession) -> None:
        self._grace.pop(key, None)
        if self.attached.get(key) is None and self.sessions.get(key) is session:
            del self.sessions[key]
            session.abandon()
            log.info("patient #%d did not come back: left to the cut-off rule", key.patient_id)

    # -- messages -----------------------------------------------------------------------------

    def _fresh_token(self, conn: Connection) -> str:
        assert conn.claims is not None
        conn.token_at = time.monotonic()
        return issue_token(self.services.secret, conn.claims, self.settings.refresh_token_ttl_s)

    def _ready(
        self, conn: Connection, session: OnDeviceSession, authorized: Authorized, resumed: bool
    ) -> dict[str, object]:
        conn.last_status = session.status()
        conn.claims = authorized.claims
        s = self.settings
        return {
            "type": "ready",
            "resumed": resumed,
            "status": conn.last_status,
            "token": self._fresh_token(conn),
            "limits": {"max_batch": s.max_batch_frames, "refresh_s": s.refresh_every_s},
            "speak": session.take_speech(),
        }

    async def _run(self, conn: Connection, session: OnDeviceSession) -> None:
        while not conn.replaced:
            try:  # asyncio.timeout, not wait_for: no new task per message
                async with asyncio.timeout(self.settings.silence_timeout_s):
                    message = await conn.ws.receive()
            except TimeoutError as exc:
                raise p.ProtocolViolation(p.CLOSE_TIMEOUT, "nothing received for too long") from exc
            if message["type"] == "websocket.disconnect" or conn.replaced:
                return
            data = message.get("bytes")
            if data is not None:
                await self._on_batch(conn, session, data)
            else:
                await self._on_control(conn, session, _text_of(message) or "")
            if session.done and not session.closed:
                await self._finish(conn, session)
                return

    async def _on_batch(self, conn: Connection, session: OnDeviceSession, data: bytes) -> None:
        batch = p.decode_batch(data, self.settings.max_batch_frames)
        self._check_times(conn, batch)
        hello = conn.hello
        assert hello is not None and conn.budget is not None
        keep = conn.budget.admit(batch.t_ms)
        if conn.budget.flooding:
            factor = self.settings.rate_factor
            reason = f"frames keep coming faster than {factor:g}x the declared {hello.fps:g} fps"
            raise p.ProtocolViolation(p.CLOSE_TOO_MANY, reason)
        reply_to = batch.seq
        if not keep.all():
            batch = batch.only(keep)
        if len(batch):
            times = session.session_times(batch.t_ms, hello.fps)
            session.step(batch, times, (hello.width, hello.height))
        reply = self._update(conn, session, reply_to)
        if len(keep) > len(batch):
            reply["dropped"] = len(keep) - len(batch)  # over the frame budget: not worked on
        news = reply.keys() - {"type", "seq"}
        if news or time.monotonic() - conn.replied_at >= self.settings.reply_every_s:
            await self._send(conn, reply)  # something to tell, or the page's RTT is due

    def _check_times(self, conn: Connection, batch: p.Batch) -> None:
        """Frame times go forwards, and not faster than the server's own clock."""
        t = batch.t_ms
        previous = conn.last_client_ms
        if t[0] <= previous or (len(t) > 1 and (t[1:] <= t[:-1]).any()):
            raise p.ProtocolViolation(p.CLOSE_BAD_MESSAGE, "frame times must go forwards")
        now = time.monotonic()
        if conn.first is None:
            conn.first = (float(t[0]), now)
        first_ms, first_s = conn.first
        if float(t[-1]) - first_ms > (now - first_s) * 1000.0 + self.settings.max_ahead_ms:
            raise p.ProtocolViolation(p.CLOSE_BAD_MESSAGE, "frame times run ahead of the clock")
        conn.last_client_ms = float(t[-1])

    def _update(self, conn: Connection, session: OnDeviceSession, seq: int) -> dict[str, object]:
        reply: dict[str, object] = {"type": "update", "seq": seq}
        status = session.status()
        if status != conn.last_status:
            reply["status"] = conn.last_status = status
        speech = session.take_speech()
        if speech:
            reply["speak"] = speech
        if time.monotonic() - conn.token_at >= self.settings.refresh_every_s:
            reply["token"] = self._fresh_token(conn)
        return reply

    async def _on_control(self, conn: Connection, session: OnDeviceSession, text: str) -> None:
        message = p.parse_text(text, self.settings.max_text_bytes)
        if isinstance(message, p.Hello):
            raise p.ProtocolViolation(p.CLOSE_BAD_MESSAGE, "hello was already sent")
        if isinstance(message, p.ModelChange):
            session.model = message.model
            if message.fps is not None and conn.hello is not None:
                conn.hello = conn.hello.model_copy(update={"fps": message.fps})
                if conn.budget is not None:
                    conn.budget.declare(message.fps)
        elif message.type == "end_set":
            session.end_set()
        elif message.type == "skip_rest":
            session.skip_rest()
        elif message.type == "stop":
            session.stop()
        await self._send(conn, self._update(conn, session, -1))

    async def _finish(self, conn: Connection, session: OnDeviceSession) -> None:
        """All sets done, or the patient ended: save, close, tell the page the session id."""
        session_id = await self._in_thread(session.finish)
        if self.sessions.get(session.key) is session:
            del self.sessions[session.key]
        await self._send(conn, {"type": "finished", "session_id": session_id})
        await _close(conn.ws, p.CLOSE_NORMAL, "session finished")

    async def _send(self, conn: Connection, message: dict[str, object]) -> None:
        conn.replied_at = time.monotonic()
        await conn.ws.send_text(p.dumps(message))


def _text_of(message: Any) -> str | None:
    text = message.get("text") if isinstance(message, dict) else None
    return text if isinstance(text, str) else None


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    """Close with a code and reason, unless the socket is already closed."""
    if ws.application_state is not WebSocketState.CONNECTED:
        return
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.close(code, reason[:120])
