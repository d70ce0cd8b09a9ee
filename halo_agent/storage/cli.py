"""`halo-agent db upgrade` (create or migrate the PostgreSQL schema) and `halo-agent db status`.

The schema is never created at start: a process on a database without it, or with an older one, refuses
to start and names this command. The embedded backend creates its SQLite tables itself and needs neither.
"""

from __future__ import annotations

import argparse

from halo_agent.cli_args import Subparsers, add_command, add_commands, add_config_arg, add_home_arg

_EMBEDDED = (
    "No database configured (HALO_AGENT_DATABASE_URL is unset): the embedded backend needs no migrations."
)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "db", "the PostgreSQL schema (HALO_AGENT_DATABASE_URL)",
        examples=["halo-agent db status",
                  "HALO_AGENT_DATABASE_URL=postgresql://halo@db/halo halo-agent db upgrade"],
    )  # fmt: skip
    commands = add_commands(parser, "db_command")
    upgrade = add_command(
        commands, "upgrade", "create the schema or apply the migrations it lacks",
        details="Run it once per release, before starting the new version.",
        examples=["halo-agent db upgrade"],
    )  # fmt: skip
    upgrade.set_defaults(func=upgrade_command)
    status = add_command(
        commands, "status", "the schema version, and whether this halo-agent can use it",
        examples=["halo-agent db status"],
    )  # fmt: skip
    status.set_defaults(func=status_command)
    for sub in (upgrade, status):
        add_config_arg(sub)
        add_home_arg(sub)


def _database_url(args: argparse.Namespace) -> str | None:
    from halo_agent.cli_common import settings_from_args

    url = settings_from_args(args).database_url
    return None if url is None else url.get_secret_value()


def upgrade_command(args: argparse.Namespace) -> int:
    url = _database_url(args)
    if url is None:
        print(_EMBEDDED)
        return 0
    from halo_agent.storage.postgres.db import connect, safe_url
    from halo_agent.storage.postgres.migrations import LATEST, MIGRATIONS, upgrade

    with connect(url) as conn:
        before, applied = upgrade(conn)
    where = safe_url(url)
    if not applied:
        print(f"{where}: schema version {before}, already current")
        return 0
    titles = {version: title for version, title, _sql in MIGRATIONS}
    for version in applied:
        print(f"applied migration {version}: {titles[version]}")
    print(f"{where}: schema version {before} -> {LATEST}")
    return 0


def status_command(args: argparse.Namespace) -> int:
    url = _database_url(args)
    if url is None:
        print(_EMBEDDED)
        return 0
    from halo_agent.storage.postgres.db import connect, safe_url
    from halo_agent.storage.postgres.migrations import LATEST, check_schema, current_version

    where = safe_url(url)
    with connect(url) as conn:
        version = current_version(conn)
        shown = version if version is not None else "none"
        print(f"{where}: schema version {shown} (this halo-agent: {LATEST})")
        check_schema(conn, where)  # raises with the command to run when it is not usable
    print("ready")
    return 0
