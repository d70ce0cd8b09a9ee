"""`halo-agent serve` as a person starts it: the URL and a one-time sign-in link that opens the page."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from halo_agent.examples import DEMO_EMPLOYEE_EMAIL
from tests.cli.sandbox_proc import CLIENT_ID, SECRET, served_sandbox

StartServe = Callable[..., tuple[str, list[str]]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def start_serve(tmp_path: Path) -> Iterator[StartServe]:
    started: list[subprocess.Popen[str]] = []

    def start(*flags: str, env: dict[str, str] | None = None) -> tuple[str, list[str]]:
        port = free_port()
        environment = {**os.environ, "HALO_AGENT_HOME": str(tmp_path / "home"), **(env or {})}
        environment.pop("HALO_AGENT_API_KEY", None)
        command = [sys.executable, "-m", "halo_agent", "serve", "--port", str(port), *flags]
        process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any("Using the embedded" in line or "API keys" in line for line in lines):
            assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
            lines.append(process.stderr.readline())
        _wait_for(port)
        return f"http://127.0.0.1:{port}", lines

    yield start
    for process in started:
        process.terminate()
        process.wait(30)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def test_serve_prints_the_url_and_a_one_time_link_that_signs_in(start_serve: StartServe) -> None:
    base, lines = start_serve("--role", "employee", "--user", DEMO_EMPLOYEE_EMAIL)
    output = "".join(lines)
    assert f"halo-agent serving on {base}" in output and "signed in as Emma Hart (employee)" in output
    assert "No API keys configured" in output
    link = re.search(r"(http://\S+/signin\?token=\S+)", output)
    assert link is not None
    with httpx2.Client(follow_redirects=True) as browser:
        assert browser.get(link.group(1)).status_code == 200  # redirected to the page, cookie set
        assert browser.get(f"{base}/web/me").json()["name"] == "Emma Hart (employee)"
        assert browser.get(link.group(1)).status_code == 401  # the link works once
        closed = browser.get(f"{base}/v1/models", headers={"Authorization": "Bearer anything-at-all-000"})
        assert closed.status_code == 401


def test_serve_on_a_real_halo_without_identity_flags_starts_and_says_why_no_link(
    start_serve: StartServe, tmp_path: Path
) -> None:
    with served_sandbox() as halo:  # a Halo of its own: serve checks it at start
        env = {"HALO_URL": halo, "HALO_CLIENT_ID": CLIENT_ID, "HALO_CLIENT_SECRET": SECRET}
        base, lines = start_serve(env=env)
        assert "No sign-in link: give --agent-id N or --user EMAIL" in "".join(lines)
        assert httpx2.get(f"{base}/healthz").json() == {"status": "ok"}


def test_serve_keeps_an_idle_connection_open_longer_than_clients_keep_theirs(start_serve: StartServe) -> None:
    """A client (httpx: 5 s) or load balancer (60 s) that reuses an idle connection must never find the
    server closing it at that moment: the request would be lost (ReadError under load)."""
    base, _ = start_serve()
    request = b"GET /healthz HTTP/1.1\r\nHost: halo-agent\r\n\r\n"
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(request)
        first = _response(sock)
        time.sleep(6)  # past httpx's expiry and uvicorn's default keep-alive (both 5 s)
        sock.sendall(request)
        second = _response(sock)
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200"), second


def _response(sock: socket.socket) -> bytes:
    """One whole response (headers and its Content-Length body); b"" when the server closed."""
    data = b""
    try:
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                return b""
            data += chunk
    except ConnectionResetError:
        return b""
    return data


def _length(data: bytes) -> int:
    found = re.search(rb"content-length: (\d+)", data, re.IGNORECASE)
    return int(found.group(1)) if found else 0
