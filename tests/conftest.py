"""Suite-wide guards: no test reaches the network, and no test reaches a real chat model."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from halo_agent.sandbox.auth import TokenIssuer
from halo_agent.testing import block_model_requests

pytest_plugins = ["tests.pg_fixtures"]

# Every access token the sandbox issued in this run (read by test_no_secrets_written).
ISSUED_TOKENS: set[str] = set()

_real_connect = socket.socket.connect


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise RuntimeError(f"tests must not touch the network (tried to connect to {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _remember_issued_tokens() -> Iterator[None]:
    real_issue = TokenIssuer.issue

    def issue(self: TokenIssuer, *args: Any, **kwargs: Any) -> dict[str, object]:
        answer = real_issue(self, *args, **kwargs)
        ISSUED_TOKENS.add(str(answer["access_token"]))
        return answer

    TokenIssuer.issue = issue  # type: ignore[method-assign]
    yield
    TokenIssuer.issue = real_issue  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _no_real_model_calls() -> Iterator[None]:
    """Any request to a real (non-loopback) model or Halo endpoint fails, and fails the run at the end
    even if the caller swallowed the error. Recorded fixtures and in-process transports are untouched."""
    with block_model_requests():
        yield


@pytest.fixture(autouse=True)
def _fresh_logging_config() -> Iterator[None]:
    """A command under test may configure structlog (quiet_logging); the next test starts from defaults."""
    yield
    structlog.reset_defaults()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data directory and no inherited Halo/LLM settings."""
    monkeypatch.setenv("HALO_AGENT_HOME", str(tmp_path / "home"))
    for name in (
        "HALO_URL", "HALO_TENANT", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "HALO_AUTH_URL", "HALO_SCOPE",
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
        "HALO_AGENT_MODEL", "HALO_AGENT_CONFIG", "HALO_AGENT_POLICY", "HALO_AGENT_AUDIT_LOG",
    ):
        monkeypatch.delenv(name, raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The suite-wide secret grep reads what every other test wrote, so it runs last."""
    last = [item for item in items if item.nodeid.startswith("tests/test_no_secrets_written.py")]
    items[:] = [item for item in items if item not in last] + last
