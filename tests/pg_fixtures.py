"""PostgreSQL for the tests: a throwaway database per test on a real server, dropped afterwards.

The server is `HALO_AGENT_TEST_DATABASE_URL` (an admin URL; default: the loopback server with trust
authentication). Without one, these tests fail under CI=true (CI must run them; `.ci/run` starts a
throwaway cluster) and are skipped elsewhere, saying why.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("HALO_AGENT_TEST_DATABASE_URL") or DEFAULT_ADMIN_URL


@pytest.fixture(scope="session")
def pg_server() -> str:
    import psycopg  # here, not at import: a checkout whose venv predates the dependency still collects

    url = admin_url()
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        message = f"PostgreSQL is not reachable at HALO_AGENT_TEST_DATABASE_URL={url}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def create_database(server: str) -> str:
    """A new empty database with a random name; its URL."""
    import psycopg

    name = f"halo_test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(server: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_empty_url(pg_server: str) -> Iterator[str]:
    """A throwaway database without the schema."""
    url = create_database(pg_server)
    try:
        yield url
    finally:
        drop_database(pg_server, url)


@pytest.fixture
def pg_url(pg_empty_url: str) -> str:
    """A throwaway database with the schema upgraded to the latest version."""
    import psycopg

    from halo_agent.storage.postgres.migrations import upgrade

    with psycopg.connect(pg_empty_url, autocommit=True) as conn:
        upgrade(conn)
    return pg_empty_url
