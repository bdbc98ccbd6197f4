"""The test suite makes no connection off this machine: any Python-level socket connect to an
address that is not loopback (or a Unix socket) raises OutboundConnectionRefused.

It sees what goes through Python's `socket` module (urllib, requests, asyncio, aiortc,
psycopg's Python side, ...). It cannot see native code that opens sockets itself, such as
a C++ library's own HTTP client: that is why mediapipe is pinned to a release whose native
library has no usage logger (docs/models.md says how that was checked).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class OutboundConnectionRefused(ConnectionRefusedError):
    """A test tried to reach another machine."""


def is_local(address: Any) -> bool:
    """True for a Unix socket path or a loopback host (IP literal or localhost)."""
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = str(address[0]).strip("[]").split("%", 1)[0]
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other host name: refused without asking DNS


def _guarded(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if self.family != socket.AF_UNIX and not is_local(address):
            raise OutboundConnectionRefused(f"tests may not connect off this machine: {address}")
        return original(self, address)

    connect.__wrapped__ = original  # type: ignore[attr-defined]
    return connect


@pytest.fixture(autouse=True, scope="session")
def refuse_outbound_sockets() -> Iterator[None]:
    """Autouse for the whole session (imported by tests/conftest.py)."""
    saved = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = _guarded(saved[0])  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(saved[1])  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = saved  # type: ignore[method-assign]
