"""Open the configured backend: the embedded files under the data directory."""

from __future__ import annotations

from collections.abc import Iterable

from halo_agent.config import Settings
from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.audit import AuditLog
from halo_agent.storage.buckets import SqliteBuckets
from halo_agent.storage.interface import AuditTrail, Storage
from halo_agent.storage.sessions import SessionStore


def open_storage(settings: Settings, *, secrets: Iterable[str] = ()) -> Storage:
    """Every shared store, ready to use."""
    settings.ensure_home()
    return Storage(
        sessions=SessionStore(settings.state_db),
        pending=PendingStore(settings.state_db),
        audit=_file_audit(settings, secrets),
        buckets=SqliteBuckets(settings.state_db),
    )


def open_audit(settings: Settings) -> AuditTrail:
    """Only the audit log (for `audit verify|tail|export`)."""
    return _file_audit(settings, ())


def _file_audit(settings: Settings, secrets: Iterable[str]) -> AuditLog:
    return AuditLog(settings.audit_file, secrets=secrets, fsync=settings.audit_fsync)
