"""Open the configured backend: PostgreSQL when `database_url` is set, else the embedded files."""

from __future__ import annotations

from collections.abc import Iterable

from halo_agent.config import Settings
from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.audit import AuditLog
from halo_agent.storage.bot_state import SqliteBotState
from halo_agent.storage.buckets import SqliteBuckets
from halo_agent.storage.intents import SqliteIntentJournal
from halo_agent.storage.interface import AuditTrail, Storage
from halo_agent.storage.sessions import SessionStore
from halo_agent.storage.web_signins import SqliteWebSignIns


def open_storage(settings: Settings, *, secrets: Iterable[str] = ()) -> Storage:
    """Every shared store, ready to use. PostgreSQL: fails with the command to run if the schema is
    missing or older than this version (`halo-agent db upgrade`)."""
    if settings.database_url is not None:
        from halo_agent.storage.postgres import open_postgres

        return open_postgres(
            settings.database_url.get_secret_value(), secrets=secrets, audit_durability=settings.audit_fsync
        )
    settings.ensure_home()
    return Storage(
        sessions=SessionStore(settings.state_db),
        pending=PendingStore(settings.state_db),
        audit=_file_audit(settings, secrets),
        buckets=SqliteBuckets(settings.state_db),
        intents=SqliteIntentJournal(settings.state_db),
        bots=SqliteBotState(settings.state_db),
        signins=SqliteWebSignIns(settings.state_db),
    )


def open_audit(settings: Settings) -> AuditTrail:
    """Only the audit log (for `audit verify|tail|export`)."""
    if settings.database_url is not None:
        from halo_agent.storage.postgres import open_postgres_audit

        return open_postgres_audit(settings.database_url.get_secret_value())
    return _file_audit(settings, ())


def _file_audit(settings: Settings, secrets: Iterable[str]) -> AuditLog:
    return AuditLog(settings.audit_file, secrets=secrets, fsync=settings.audit_fsync)
