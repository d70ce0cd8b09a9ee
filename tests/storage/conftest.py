"""The storage backends under test: the embedded files and a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from halo_agent.config import Settings
from halo_agent.storage.factory import open_storage
from halo_agent.storage.interface import Storage

Opener = Callable[[], Storage]


@pytest.fixture(params=["embedded", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens another Storage on the same data each call (what another process would have)."""
    if request.param == "embedded":
        settings = Settings(home=tmp_path / "home")
    else:
        settings = Settings(home=tmp_path / "home", database_url=request.getfixturevalue("pg_url"))
    opened: list[Storage] = []

    def opener() -> Storage:
        opened.append(open_storage(settings, secrets=["hunter2-secret"]))
        return opened[-1]

    yield opener
    for storage in opened:
        storage.close()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent to PostgreSQL from now on, in order (what the tests count and look for)."""
    import psycopg

    statements: list[str] = []
    real_execute = psycopg.Cursor.execute

    def spy(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return real_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy)
    yield statements
