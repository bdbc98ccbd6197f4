"""Load of the on-device ingest: N simulated patients sending real landmark streams at 15 fps
over WebSocket on loopback to one ingest process, and today's server-side path for scale.

Each simulated patient is a page as far as the server can tell: its own address (127.x.y.z),
a token for its own program, a `hello`, then a batch of two frames every 2/15 s taken from a
landmark stream recorded from a shared clip (BlazePose over the real video; the clip loops),
and the replies read as they come. The server is `rehab ondevice serve` in its own process
with a fresh database (SQLite by default; `REHAB_BENCH_DB_URL` for PostgreSQL): the same
flow, counting and saving of reps as a real session. Measured over a fixed window after the
patients are connected: the server process's CPU time (all its threads: event loop, session
writers), the frames and events (replies with a new status or words to say) per second, and
the latency from sending a batch to reading its reply (p50/p95/p99). The server answers a
batch with nothing to tell only now and then (`reply_every_s`): latency is measured over the
batches answered; an answer stands for the batches before it (worked on in order), and at the
end a `model` message (answered after every batch) accounts for the last ones.

    python -m benchmarks live_ingest
    REHAB_BENCH_SESSIONS=50,100 REHAB_BENCH_SECONDS=10 python -m benchmarks live_ingest
    REHAB_BENCH_COMPARE=0 ...        # skip the server-side (BlazePose on the server) row
    REHAB_BENCH_PROFILE=/tmp/prof ...  # py-spy (on PATH or in the venv) records the server
                                       # in the window: <folder>/ingest-<N>.txt (collapsed;
                                       # REHAB_BENCH_PROFILE_ARGS="--gil" adds options)

The clients' own CPU in the window is reported too (both client processes together): on a
2-core machine, clients that need most of a core leave the server less than one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from benchmarks.table import print_table

CLIPS = (
    ("biceps_curl__standing_front.mp4", "biceps_curl"),
    ("squat__bodyweight_oblique.mp4", "squat"),
    ("shoulder_abduction__standing_dumbbell_front.mp4", "shoulder_abduction"),
    ("elbow_flexion__seated_front.mp4", "elbow_flexion"),
)
FPS = 15.0
PER_BATCH = 2
WARMUP_S = 4.0
GOAL_P95_MS = 50.0
SECRET = "bench-ingest-secret-0123456789abcdefghijklmnop"
CLIENT_PROCESSES = 2


def _clips_dir() -> Path:
    """Where the tests find the clips (REHAB_CLIPS_DIR, else ../shared/data/videos)."""
    from tests.conftest import CLIPS_DIR

    return CLIPS_DIR


# -- streams ----------------------------------------------------------------------------------


def _stream(path: Path):  # type: ignore[no-untyped-def]
    """The clip's landmark stream, cached as the tests cache it (BlazePose runs once)."""
    from tests.conftest import clip_stream, load_manifest

    (clip,) = [clip for clip in load_manifest() if clip.path == path]
    return clip_stream(clip)


def frame_blocks(path: Path) -> tuple[list[np.ndarray | None], float]:
    """The stream at 15 fps as the browser sends it: (33, 7) float32 per frame (None: nobody);
    and the clip's frame rate."""
    from rehab.live.ondevice.protocol import frame_values

    stream = _stream(path)
    step = max(1, round(stream.info.fps / FPS))
    return [frame_values(frame) for frame in list(stream)[::step]], stream.info.fps


# -- the clinic -------------------------------------------------------------------------------


def seed(url: str, n: int) -> list[str]:
    """`n` patients, each with a program of one clip's exercise; a token for each."""
    from argon2 import PasswordHasher

    from rehab.core.results import Side
    from rehab.domain import Role
    from rehab.live.ondevice.tokens import LiveClaims, issue_token
    from rehab.store import (
        Actor,
        ExercisePlan,
        access,
        connect,
        create_patient,
        create_user,
        prescribe,
        queries,
        upgrade_database,
    )
    from rehab.store.testing import password_of

    access._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # seeding only
    upgrade_database(url)
    db = connect(url)
    tokens: list[str] = []
    start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with db.transaction() as tx:
        admin_id = create_user(tx, None, "admin", "Admin", Role.ADMIN, password_of("admin"))
        admin = Actor(admin_id, Role.ADMIN)
        ther = create_user(tx, admin, "ther", "Therapist", Role.THERAPIST, password_of("ther"))
        therapist = Actor(ther, Role.THERAPIST)
        for i in range(n):
            name = f"pat{i}"
            user = create_user(tx, admin, name, f"Patient {i}", Role.PATIENT, password_of(name))
            pid = create_patient(tx, admin, user, ther, "bench", Side.BOTH)
            plan = ExercisePlan(CLIPS[i % len(CLIPS)][1], sets=1, reps=100_000)
            prescribe(tx, therapist, pid, "Bench", [plan], 3, start_date=start)
            program = queries.patient_detail(tx, admin, pid).programs[0]
            claims = LiveClaims(
                user_id=user,
                patient_id=pid,
                prescription_id=program.prescription_id,
                item_ids=tuple(item.item_id for item in program.items),
                language="en",
            )
            tokens.append(issue_token(SECRET.encode(), claims, 3600.0))
    db.dispose()
    return tokens


# -- the server -------------------------------------------------------------------------------


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REHAB_DATABASE_URL": url, "REHAB_LIVE_SECRET": SECRET}
    command = [sys.executable, "-c", "from rehab.cli import main; raise SystemExit(main())",
               "ondevice", "serve", "--port", str(port)]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the ingest server exited; see {log}") from None
            time.sleep(0.2)
    raise RuntimeError("the ingest server did not start")


def warm_up(port: int, token: str) -> None:
    """One hello, so that the server opens its database and exercise library now."""
    from websockets.sync.client import connect as connect_sync

    with connect_sync(f"ws://127.0.0.1:{port}/ondevice/ws", origin=f"http://127.0.0.1:{port}",
                 proxy=None, compression=None, open_timeout=120) as ws:  # fmt: skip
        ws.send(json.dumps({"type": "hello", "v": 1, "token": token, "model": "full", "fps": FPS,
                            "width": 640, "height": 480}))  # fmt: skip
        ws.recv(timeout=120)


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc); of its thread
    `tid` only when given (the main thread's id is the process's)."""
    where = f"/proc/{pid}/task/{tid}/stat" if tid is not None else f"/proc/{pid}/stat"
    fields = Path(where).read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# -- the patients ---------------------------------------------------------------------------


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)  # batches sent in the window
    frames: int = 0  # sent in the window
    accepted: int = 0  # sent in the window, answered and not dropped by the frame budget
    acked_frames: int = 0  # every frame the server answered, window or not
    events: int = 0
    lag_ms: list[float] = field(default_factory=list)  # this client's event loop lateness
    refused: list[str] = field(default_factory=list)  # hello refused or closed by the server
    dropped: int = 0  # frames a late client skipped (a late page drops frames, never bursts)
    cpu_s: float = 0.0  # this client process's CPU time in the window


class Patient:
    """One simulated page: a batch of two frames every 2/15 s, replies read as they come."""

    def __init__(
        self, n: int, blocks: list[np.ndarray | None], window: tuple[float, float], tally: Tally
    ) -> None:
        self.n = n
        self.blocks = blocks
        self.start_at, self.stop_at = window
        self.tally = tally
        self.sent: dict[int, float] = {}

    @property
    def address(self) -> str:
        """Its own loopback address (127.x.y.z): one home, one address."""
        n = self.n
        return f"127.{1 + n // 62500}.{(n // 250) % 250}.{1 + n % 250}"

    async def run(self, port: int, token: str) -> None:
        await asyncio.sleep((self.n % 50) * 0.05)  # arrivals spread over 2.5 s
        try:
            await self.session(port, token)
        except ConnectionClosed as exc:
            self.tally.refused.append(f"closed: {exc}"[:200])

    async def session(self, port: int, token: str) -> None:
        async with connect(
            f"ws://127.0.0.1:{port}/ondevice/ws", origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
            compression=None, local_addr=(self.address, 0), proxy=None, open_timeout=120,
        ) as ws:  # fmt: skip
            await ws.send(json.dumps({"type": "hello", "v": 1, "token": token, "model": "full",
                                      "fps": FPS, "width": 640, "height": 480}))  # fmt: skip
            ready = json.loads(await ws.recv())
            if ready.get("type") != "ready":
                self.tally.refused.append(str(ready)[:200])
                return
            reader = asyncio.create_task(self.read(ws))
            await self.send_until_stop(ws)
            # answered after every batch before it: the batches not answered on their own
            await ws.send(json.dumps({"type": "model", "model": "full"}))
            deadline = time.perf_counter() + 15.0  # the server may still be catching up
            while self.sent and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            reader.cancel()

    async def read(self, ws) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(ConnectionClosed):  # the sender sees the close and tallies it
            async for message in ws:
                at = time.perf_counter()
                reply = json.loads(message)
                seq = reply.get("seq")
                if not isinstance(seq, int):
                    continue
                for done in [k for k in self.sent if seq == -1 or k <= seq]:  # in order
                    self._tally(self.sent.pop(done), at, reply if done == seq else None)

    def _tally(self, began: float, at: float, reply: dict[str, Any] | None) -> None:
        """A batch worked on: `reply` is its own answer, None when a later one stands for it."""
        self.tally.acked_frames += PER_BATCH
        if not self.start_at <= began < self.stop_at:
            return
        self.tally.accepted += PER_BATCH - int(reply.get("dropped", 0) if reply else 0)
        if reply is not None:
            self.tally.latencies_ms.append((at - began) * 1000.0)
            self.tally.events += int("status" in reply or "speak" in reply)

    async def send_until_stop(self, ws) -> None:  # type: ignore[no-untyped-def]
        from rehab.live.ondevice.protocol import encode_batch

        offset = (self.n * 37) % len(self.blocks)
        base_ms, began = time.monotonic() * 1000.0, time.perf_counter()
        seq, first = 0, 0  # first: the camera's frame number at the head of the next batch
        while (now := time.perf_counter()) < self.stop_at:
            due = int((now - began) * FPS) // PER_BATCH * PER_BATCH  # the camera's latest batch
            if due - first > PER_BATCH:  # late: skip the frames missed, as a page does
                self.tally.dropped += due - first
                first = due
            idx = [(offset + first + k) % len(self.blocks) for k in range(PER_BATCH)]
            times = [base_ms + (first + k) * 1000.0 / FPS for k in range(PER_BATCH)]
            seq += 1
            self.sent[seq] = time.perf_counter()
            await ws.send(encode_batch(seq, times, [self.blocks[i] for i in idx]))
            if self.start_at <= self.sent[seq] < self.stop_at:
                self.tally.frames += PER_BATCH
            first += PER_BATCH
            await asyncio.sleep(max(0.0, began + first / FPS - time.perf_counter()))


async def _watch_lag(tally: Tally, start_at: float, stop_at: float) -> None:
    """How late this client's event loop wakes up (when it is, latencies are the client's),
    and the client's own CPU time in the window."""
    cpu_start: float | None = None
    while (now := time.perf_counter()) < stop_at:
        if cpu_start is None and now >= start_at:
            cpu_start = time.process_time()
        planned = now + 0.05
        await asyncio.sleep(0.05)
        tally.lag_ms.append(max(0.0, time.perf_counter() - planned) * 1000.0)
    tally.cpu_s = time.process_time() - cpu_start if cpu_start is not None else 0.0


def _run_patients(
    args: tuple[list[int], int, list[str], list[list[np.ndarray | None]], float, float],
) -> Tally:
    """One client process: its share of the patients, in one event loop."""
    numbers, port, tokens, blocks, start_at, stop_at = args
    tally = Tally()

    async def everyone() -> None:
        patients = [Patient(n, blocks[n % len(blocks)], (start_at, stop_at), tally)
                    for n in numbers]  # fmt: skip
        await asyncio.gather(
            _watch_lag(tally, start_at, stop_at), *(p.run(port, tokens[p.n]) for p in patients)
        )

    asyncio.run(everyone())
    return tally


# -- one load level ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    sessions: int
    cpu_core: float  # server CPU seconds per second in the window (1.0 = one core busy)
    loop_share: float  # of which the event loop's thread (the rest: writers, worker pool)
    frames_s: float  # frames the patients sent per second in the window
    accepted_s: float  # of those, frames the server answered, per second
    us_per_frame: float  # server CPU per frame answered, over the whole run
    us_per_frame_window: float  # server CPU per frame accepted, in the window (steady state)
    events_s: float
    p50: float
    p95: float
    p99: float
    client_lag_p95: float
    client_cpu_core: float  # the client processes' CPU seconds per second in the window
    refused: int  # sessions refused or closed by the server
    dropped: int  # frames the clients skipped because they were late
    reasons: tuple[str, ...]  # a few of the refusals, as the server gave them

    @property
    def sessions_per_core(self) -> float:
        """Patients at 15 fps one core could serve at the window's cost per frame."""
        return 1e6 / (self.us_per_frame_window * FPS)


def run_level(n: int, seconds: float, blocks: list[list[np.ndarray | None]], url: str) -> Level:
    from tests.browser_support import free_port

    tokens = seed(url, n)
    port = free_port()
    log = Path(tempfile.gettempdir()) / f"rehab-bench-ingest-{port}.log"
    server = start_server(url, port, log)
    try:
        warm_up(port, tokens[0])  # the database and exercise library opened: not per frame
        cpu_start = cpu_seconds(server.pid)
        start_at = time.perf_counter() + WARMUP_S + 3.0  # everyone connected by then
        stop_at = start_at + seconds
        shares = [list(range(n))[k::CLIENT_PROCESSES] for k in range(CLIENT_PROCESSES)]
        with ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
            futures = [pool.submit(_run_patients, (share, port, tokens, blocks, start_at, stop_at))
                       for share in shares]  # fmt: skip
            time.sleep(max(0.0, start_at - time.perf_counter()))
            cpu_before = cpu_seconds(server.pid)
            loop_before = cpu_seconds(server.pid, server.pid)
            profiler = _profile(server.pid, n, seconds)
            time.sleep(max(0.0, stop_at - time.perf_counter()))
            cpu_window = cpu_seconds(server.pid) - cpu_before
            loop_window = cpu_seconds(server.pid, server.pid) - loop_before
            tallies = [f.result() for f in futures]
            if profiler is not None:
                profiler.wait(60)
        cpu_total = cpu_seconds(server.pid) - cpu_start
    finally:
        server.terminate()
        server.wait(30)
    latencies = [ms for t in tallies for ms in t.latencies_ms]
    lags = [ms for t in tallies for ms in t.lag_ms]
    acked = sum(t.acked_frames for t in tallies)
    accepted = sum(t.accepted for t in tallies)
    return Level(
        sessions=n,
        cpu_core=cpu_window / seconds,
        loop_share=loop_window / cpu_window if cpu_window else float("nan"),
        frames_s=sum(t.frames for t in tallies) / seconds,
        accepted_s=accepted / seconds,
        us_per_frame=cpu_total / acked * 1e6 if acked else float("nan"),
        us_per_frame_window=cpu_window / accepted * 1e6 if accepted else float("nan"),
        events_s=sum(t.events for t in tallies) / seconds,
        p50=_pct(latencies, 50),
        p95=_pct(latencies, 95),
        p99=_pct(latencies, 99),
        client_lag_p95=_pct(lags, 95),
        client_cpu_core=sum(t.cpu_s for t in tallies) / seconds,
        refused=sum(len(t.refused) for t in tallies),
        dropped=sum(t.dropped for t in tallies),
        reasons=tuple(sorted({r for t in tallies for r in t.refused}))[:3],
    )


def _profile(pid: int, n: int, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy recording the server for the window, when REHAB_BENCH_PROFILE names a folder."""
    folder = os.environ.get("REHAB_BENCH_PROFILE", "").strip()
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = Path(folder) / f"ingest-{n}.txt"
    command = [spy, "record", "--pid", str(pid), "--duration", f"{seconds:.0f}", "--rate", "200",
               "--format", "raw", "--output", str(out)]  # fmt: skip
    extra = os.environ.get("REHAB_BENCH_PROFILE_ARGS", "").split()  # e.g. --gil, --native
    command += extra if "--native" in extra else [*extra, "--nonblocking"]  # native: pauses
    with (Path(folder) / f"ingest-{n}.log").open("wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def server_side_cpu_ms_per_frame() -> float:
    """Today's path for comparison: BlazePose + flow + overlay on the server, CPU ms a frame
    (one clip, every frame; benchmarks/bench_live.py has the full table)."""
    from benchmarks.bench_live import run_clip

    path, exercise = CLIPS[0]
    run = run_clip(_clips_dir() / path, exercise, 1)
    return float(np.mean(run.cpu_ms))


def _levels() -> list[int]:
    raw = os.environ.get("REHAB_BENCH_SESSIONS", "50,100,200,400")
    return [int(x) for x in raw.split(",") if x.strip()]


def _row(level: Level) -> list[object]:
    return [
        "on-device ingest",
        level.sessions,
        f"{level.cpu_core * 100:.0f}%",
        f"{level.loop_share * 100:.0f}%",
        level.frames_s,
        level.accepted_s,
        level.us_per_frame_window,
        level.us_per_frame,
        level.sessions_per_core,
        level.events_s,
        level.p50,
        level.p95,
        level.p99,
        level.client_lag_p95,
        f"{level.client_cpu_core * 100:.0f}%",
        level.refused,
        level.dropped,
    ]


def _comparison_row() -> list[object]:
    ms = server_side_cpu_ms_per_frame()
    per_core = 1000.0 / (ms * FPS)
    return ["server-side (webrtc), BlazePose on the server", "-", "-", "-", "-", "-", ms * 1000.0,
            ms * 1000.0, per_core, "-", "-", "-", "-", "-", "-", "-", "-"]  # fmt: skip


def _summary(levels: list[Level]) -> None:
    held = [lv for lv in levels if lv.p95 < GOAL_P95_MS and lv.refused == 0 and not lv.dropped]
    if held:
        best = max(held, key=lambda lv: lv.sessions)
        print(f"largest N with p95 < {GOAL_P95_MS:.0f} ms: {best.sessions} sessions on "
              f"{best.cpu_core:.2f} cores of server CPU")  # fmt: skip
    else:
        print(f"no level held p95 < {GOAL_P95_MS:.0f} ms on this machine")
    costs = [lv.us_per_frame_window for lv in levels if lv.us_per_frame_window > 0]
    if costs:
        low, high = 1e6 / (max(costs) * FPS), 1e6 / (min(costs) * FPS)
        print(f"server CPU per frame {min(costs):.0f}-{max(costs):.0f} us: one core serves "
              f"{low:.0f}-{high:.0f} patients at {FPS:.0f} fps (when the clients and the "
              "machine keep up: see the client lag)")  # fmt: skip


def main() -> None:
    from rehab.live.ondevice.settings import IngestSettings

    if not (_clips_dir() / "MANIFEST.csv").is_file():
        print(f"no clips at {_clips_dir()}: skipped")
        return
    seconds = float(os.environ.get("REHAB_BENCH_SECONDS", "20"))
    blocks = [frame_blocks(_clips_dir() / path)[0] for path, _ in CLIPS]
    levels: list[Level] = []
    with tempfile.TemporaryDirectory() as folder:
        for n in _levels():
            url = os.environ.get("REHAB_BENCH_DB_URL") or f"sqlite:///{folder}/bench-{n}.db"
            if url.startswith("postgresql"):
                from rehab.store.testing import wipe_postgres

                wipe_postgres(url)
            levels.append(run_level(n, seconds, blocks, url))
    rows = [_row(level) for level in levels]
    if os.environ.get("REHAB_BENCH_COMPARE", "1") != "0":
        rows.append(_comparison_row())
    heads = ["path", "devices", "server CPU", "of it loop", "frames/s sent", "frames/s accepted",
             "CPU us/frame", "(whole run)", "sessions/core", "events/s", "p50 ms", "p95 ms",
             "p99 ms", "client lag p95", "client CPU", "refused", "dropped"]  # fmt: skip
    print(f"{seconds:.0f} s per level, {FPS:.0f} fps, {PER_BATCH} frames a batch; server CPU in "
          "the window (100% = one core), of it the event loop's thread; CPU us/frame in the "
          "window (and over the whole run, connecting included); latency = send to "
          "reply of the batches answered (a quiet batch is answered every "
          f"{IngestSettings().reply_every_s:g} s), as the clients see it (their own lag "
          "included)")  # fmt: skip
    print_table(heads, rows)
    for level in levels:
        for reason in level.reasons:
            print(f"N={level.sessions} refused: {reason}")
    _summary(levels)
