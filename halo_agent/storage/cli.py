"""`halo-agent db upgrade` (create or migrate the PostgreSQL schema) and `halo-agent db status`.

The schema is never created at start: a process on a database without it, or with an older one, refuses
to start and names this command. The embedded backend creates its SQLite tables itself and needs neither.
"""

from __future__ import annotations

import argparse

from halo_agent.config import load_settings

_EMBEDDED = (
    "No database configured (HALO_AGENT_DATABASE_URL is unset): the embedded backend needs no migrations."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="the PostgreSQL schema (HALO_AGENT_DATABASE_URL)")
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = commands.add_parser("upgrade", help="create the schema or apply the migrations it lacks")
    upgrade.set_defaults(func=upgrade_command)
    status = commands.add_parser("status", help="the schema version, and whether this halo-agent can use it")
    status.set_defaults(func=status_command)


def upgrade_command(args: argparse.Namespace) -> int:
    url = load_settings().database_url
    if url is None:
        print(_EMBEDDED)
        return 0
    from halo_agent.storage.postgres.db import connect, safe_url
    from halo_agent.storage.postgres.migrations import LATEST, MIGRATIONS, upgrade

    with connect(url.get_secret_value()) as conn:
        before, applied = upgrade(conn)
    where = safe_url(url.get_secret_value())
    if not applied:
        print(f"{where}: schema version {before}, already current")
        return 0
    titles = {version: title for version, title, _sql in MIGRATIONS}
    for version in applied:
        print(f"applied migration {version}: {titles[version]}")
    print(f"{where}: schema version {before} -> {LATEST}")
    return 0


def status_command(args: argparse.Namespace) -> int:
    url = load_settings().database_url
    if url is None:
        print(_EMBEDDED)
        return 0
    from halo_agent.storage.postgres.db import connect, safe_url
    from halo_agent.storage.postgres.migrations import LATEST, check_schema, current_version

    where = safe_url(url.get_secret_value())
    with connect(url.get_secret_value()) as conn:
        version = current_version(conn)
        shown = version if version is not None else "none"
        print(f"{where}: schema version {shown} (this halo-agent: {LATEST})")
        check_schema(conn, where)  # raises with the command to run when it is not usable
    print("ready")
    return 0
