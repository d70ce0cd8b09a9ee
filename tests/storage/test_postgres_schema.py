"""The PostgreSQL schema is created and migrated by `halo-agent db upgrade` only; a process on a database
without it (or with an older one) refuses to start and names the command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from halo_agent.config import Settings
from halo_agent.storage.factory import open_storage
from halo_agent.storage.postgres.db import DatabaseError
from halo_agent.storage.postgres.migrations import LATEST, SchemaError

ROOT = Path(__file__).resolve().parents[2]


def _halo(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HALO_AGENT_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "halo_agent", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, check=False)  # fmt: skip


def test_a_database_without_the_schema_is_refused_naming_the_command(
    pg_empty_url: str, tmp_path: Path
) -> None:
    with pytest.raises(SchemaError, match="run `halo-agent db upgrade`"):
        open_storage(Settings(home=tmp_path, database_url=pg_empty_url))
    with psycopg.connect(pg_empty_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('pending')").fetchone() == (None,)  # nothing created


def test_db_upgrade_creates_the_schema_once_and_then_storage_opens(
    pg_empty_url: str, tmp_path: Path
) -> None:
    first = _halo(pg_empty_url, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert f"schema version 0 -> {LATEST}" in first.stdout
    again = _halo(pg_empty_url, "db", "upgrade")
    assert again.returncode == 0 and "already current" in again.stdout
    status = _halo(pg_empty_url, "db", "status")
    assert status.returncode == 0 and "ready" in status.stdout
    open_storage(Settings(home=tmp_path, database_url=pg_empty_url)).close()


def test_an_older_schema_is_refused(pg_url: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM halo_agent_schema WHERE version = %s", (LATEST,))
        conn.execute("INSERT INTO halo_agent_schema (version) VALUES (0)")
    with pytest.raises(SchemaError, match=r"older than .* run `halo-agent db upgrade`"):
        open_storage(Settings(home=tmp_path, database_url=pg_url))


def test_an_unreachable_server_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://halo:s3cret-pw@127.0.0.1:1/halo"
    with pytest.raises(DatabaseError, match="HALO_AGENT_DATABASE_URL") as caught:
        open_storage(Settings(home=tmp_path, database_url=url))
    assert "s3cret-pw" not in str(caught.value) and "127.0.0.1:1/halo" in str(caught.value)
    done = _halo(url, "audit", "verify")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "s3cret-pw" not in done.stderr


def test_a_url_that_is_not_postgresql_is_refused_at_start(tmp_path: Path) -> None:
    done = _halo("mysql://x@localhost/db", "audit", "verify")
    assert done.returncode != 0 and "database_url" in done.stderr and "Traceback" not in done.stderr
