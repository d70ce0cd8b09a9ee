"""Issue 3's suite-wide check: no record written by any test holds the Halo client secret or a token.

A session fixture (tests/conftest.py) collects every access token the in-process sandbox issued during
the run; this module's last test greps every audit log, cassette and session store the suite wrote.
tests/conftest.py moves it to the end of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from halo_agent.sandbox.app import SandboxConfig

from .conftest import ISSUED_TOKENS

WRITTEN = ("*.jsonl", "*.yaml", "*.db", "*.json")


def _written_files(base: Path) -> list[Path]:
    return [path for pattern in WRITTEN for path in base.rglob(pattern) if path.is_file()]


def test_no_written_record_holds_the_client_secret_or_a_token(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = tmp_path_factory.getbasetemp()
    files = _written_files(base)
    assert files, "the suite wrote no records to check: this test must run after the others"
    secret = SandboxConfig().client_secret.encode()
    tokens = [token.encode() for token in ISSUED_TOKENS]
    leaks = [
        (path.name, "client secret" if secret in data else "token")
        for path in files
        if (data := path.read_bytes()) and (secret in data or any(token in data for token in tokens))
    ]
    assert not leaks, f"secrets written to disk: {leaks[:10]}"
