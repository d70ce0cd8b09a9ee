"""A Halo sandbox served on loopback in a process of its own, for commands configured with HALO_URL."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.cli.proc import ROOT

CLIENT_ID = "halo-agent-demo"
SECRET = "sandbox-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # free again on leaving: nothing listens there


@contextmanager
def served_sandbox(*flags: str) -> Iterator[str]:
    """`halo-agent sandbox --port N FLAGS…` until the block ends; yields its URL once it accepts."""
    port = free_port()
    command = [sys.executable, "-m", "halo_agent", "sandbox", "--port", str(port), *flags]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
