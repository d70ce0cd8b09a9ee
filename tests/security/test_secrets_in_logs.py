"""Hole 2: a crash printed the live Halo bearer token into serve's log (a rich traceback with locals),
and a deep one froze the server while ~1,000 frames of locals were logged. Exceptions are now one bounded
record: no locals, the innermost frames only, secrets scrubbed, whatever the renderer."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Iterator

import pytest
import structlog

from halo_agent.halo.auth import AuthHeaders
from halo_agent.logs import configure_logging, log_failure

TOKEN = "eyJhbGciOiJSUzI1NiJ9.live-halo-token-4f9a"
CLIENT_SECRET = "client-secret-value-77"


@pytest.fixture(params=[False, True], ids=["console", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", secrets=[CLIENT_SECRET], json=request.param, stream=stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers = []


def _crash_with_a_token_in_locals() -> None:
    headers = AuthHeaders({"Authorization": f"Bearer {TOKEN}"})  # a local, as in the transport
    secret = CLIENT_SECRET
    raise RuntimeError(f"Halo said no to {headers} (secret {secret}, raw Bearer {TOKEN})")


def _deep(n: int) -> None:
    padding = "x" * 10_000  # a large local in every frame
    if n:
        _deep(n - 1)
    raise ValueError(padding[:10])


def test_a_crash_never_logs_the_token_or_the_secret(captured: io.StringIO) -> None:
    log = structlog.get_logger("test")
    try:
        _crash_with_a_token_in_locals()
    except RuntimeError as exc:
        log_failure(log, "turn failed", exc)
        log.error("turn failed again", exc_info=exc)  # even with exc_info, no traceback with locals
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    out = captured.getvalue()
    assert "turn failed" in out and "RuntimeError" in out and "Exception in ASGI application" in out
    assert TOKEN not in out and CLIENT_SECRET not in out and "live-halo-token" not in out


def test_a_deep_exception_is_logged_small_and_fast(captured: io.StringIO) -> None:
    log = structlog.get_logger("test")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5_000)
    try:
        _deep(2_000)
    except ValueError as exc:
        started = time.perf_counter()
        log_failure(log, "turn failed", exc)
        log.error("again", exc_info=exc)
        logging.getLogger("uvicorn.error").error("boom", exc_info=exc)
        elapsed = time.perf_counter() - started
    finally:
        sys.setrecursionlimit(limit)
    out = captured.getvalue()
    assert elapsed < 0.5 and len(out) < 6_000 and "x" * 100 not in out


def test_auth_headers_never_show_the_token() -> None:
    headers = AuthHeaders({"Authorization": f"Bearer {TOKEN}"})
    assert TOKEN not in repr(headers) and TOKEN not in str(headers) and TOKEN not in f"{headers}"
    assert headers["Authorization"].endswith(TOKEN)  # still sent as it must be
    assert TOKEN not in json.dumps({"h": repr(headers)})



def test_a_librarys_setup_notices_are_info_and_only_while_it_is_built() -> None:
    """`teams` builds its SDK's App inside the block: "TENANT_ID is not set, assuming multi-tenant app"
    is how it read its settings, not a warning to print at every start. Errors and later warnings stay."""
    from halo_agent.logs import setup_notices_as_info

    root = logging.getLogger()
    level = root.level
    sdk = logging.getLogger("some_sdk.apps.app")
    try:
        quiet = io.StringIO()
        configure_logging("WARNING", stream=quiet)
        with setup_notices_as_info("some_sdk"):
            sdk.warning("TENANT_ID is not set, assuming multi-tenant app")
            logging.getLogger("some_sdk.auth.made_while_built").warning("issuer validation skipped")
            logging.getLogger("some_sdk_other").warning("another library's warning")
            sdk.error("the key file is unreadable")
        sdk.warning("the token expires in 5 minutes")
        assert quiet.getvalue().splitlines() == [
            "WARNING some_sdk_other: another library's warning",
            "ERROR some_sdk.apps.app: the key file is unreadable",
            "WARNING some_sdk.apps.app: the token expires in 5 minutes",
        ]
        verbose = io.StringIO()
        configure_logging("INFO", stream=verbose)
        with setup_notices_as_info("some_sdk"):
            sdk.warning("TENANT_ID is not set, assuming multi-tenant app")
        assert verbose.getvalue().splitlines() == [
            "INFO some_sdk.apps.app: TENANT_ID is not set, assuming multi-tenant app"
        ]
    finally:
        structlog.reset_defaults()
        root.handlers = []
        root.setLevel(level)
