"""Servers say "serving on" only once the port accepts connections; a busy port is one clear error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

COMMANDS = {
    "serve": ["serve"],
    "mcp": ["mcp", "--transport", "http"],
    "sandbox": ["sandbox"],
}


def environment(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HALO_AGENT_HOME": str(tmp_path / "home"), "HALO_AGENT_API_KEY": "k" * 32}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("name", COMMANDS)
def test_a_busy_port_is_one_clear_error_and_no_banner(name: str, busy_port: int, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "halo_agent", *COMMANDS[name], "--port", str(busy_port)]
    done = subprocess.run(command, env=environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "serving on" not in done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"halo-agent: cannot listen on 127.0.0.1:{busy_port}: Address already in use"
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_the_banner_comes_once_the_port_accepts_connections(name: str, tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "halo_agent", *COMMANDS[name], "--port", str(port)]
    # The sandbox prints its settings on stdout (for `eval $(...)`), the others their banner on stderr.
    process = subprocess.Popen(
        command, env=environment(tmp_path), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        seen: list[str] = []
        while not any("serving on" in line for line in seen):
            assert time.monotonic() < deadline and process.poll() is None, "".join(seen)
            seen.append(process.stdout.readline())
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # accepted at once: no waiting or retrying after the banner
        assert f"127.0.0.1:{port}" in seen[-1]
    finally:
        process.terminate()
        process.wait(30)


def test_the_mcp_banner_names_the_endpoint_and_the_identity_headers(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "halo_agent", "mcp", "--transport", "http", "--port", str(port)]
    process = subprocess.Popen(command, env=environment(tmp_path), text=True, stderr=subprocess.PIPE)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline() + process.stderr.readline()
    finally:
        process.terminate()
        process.wait(30)
    assert f"halo-agent MCP serving on http://127.0.0.1:{port}/mcp" in banner
    for header in ("Authorization: Bearer", "X-Halo-Role", "X-Halo-User", "X-Halo-Agent-Id"):
        assert header in banner


BOTS = {
    "slack": {"SLACK_BOT_TOKEN": "xoxb-start", "SLACK_SIGNING_SECRET": "start-secret"},
    "teams": {"TEAMS_APP_ID": "00000000-0000-4000-8000-00000000a11d", "TEAMS_APP_SECRET": "start-secret"},
}


@pytest.mark.parametrize("name", BOTS)
def test_a_bot_starts_with_its_banner_and_no_library_warnings(name: str, tmp_path: Path) -> None:
    """What the Slack and Teams libraries announce while they are built is not for the person starting
    the bot; what matters of it (a multi-tenant Teams app) is said in the banner, in our words."""
    port = free_port()
    command = [sys.executable, "-m", "halo_agent", name, "--port", str(port)]
    env = {**environment(tmp_path), **BOTS[name]}
    for variable in ("TEAMS_TENANT_ID", "TENANT_ID", "SLACK_APP_TOKEN"):
        env.pop(variable, None)
    process = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while not any(line.startswith("halo-agent") for line in seen):
            assert time.monotonic() < deadline and process.poll() is None, "".join(seen)
            seen.append(process.stdout.readline())
        with socket.create_connection(("127.0.0.1", port), timeout=30):
            pass  # started: the port accepts
    finally:
        process.terminate()
        seen.append(process.communicate(timeout=30)[0])
    banner = seen[0]
    assert banner.startswith(f"halo-agent {'Slack app' if name == 'slack' else 'Teams bot'}: "), seen
    assert f"127.0.0.1:{port}" in banner
    assert "warning" not in "".join(seen).lower(), seen
    if name == "teams":
        assert "multi-tenant" in banner and "TEAMS_TENANT_ID" in banner
