"""The suite-wide guard (tests/socket_guard.py): nothing leaves this machine from Python."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from tests.socket_guard import OutboundConnectionRefused, is_local


def test_a_connection_off_the_machine_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(OutboundConnectionRefused, match=r"203\.0\.113\.1"):
        sock.connect(("203.0.113.1", 443))  # TEST-NET-3: refused before any packet
    with socket.socket(socket.AF_INET6) as sock, pytest.raises(OutboundConnectionRefused):
        sock.connect_ex(("2001:db8::1", 443, 0, 0))
    with pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen("http://203.0.113.1/", timeout=5)
    assert isinstance(caught.value.reason, OutboundConnectionRefused)


def test_loopback_still_works() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            accepted, _ = server.accept()
            accepted.close()


def test_what_counts_as_local() -> None:
    assert is_local(("127.0.0.1", 80)) and is_local(("::1", 80, 0, 0))
    assert is_local(("localhost", 8501)) and is_local("/tmp/.s.PGSQL.5432")
    assert not is_local(("play.googleapis.com", 443))  # names are not resolved: refused
    assert not is_local(("10.0.0.1", 5432))
