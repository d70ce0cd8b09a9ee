"""The PostgreSQL schema, as numbered migrations applied by `halo-agent db upgrade` and never at start.

A process refuses to start on a database whose schema is missing or older than `LATEST` (naming the
command to run) or newer (naming the fix: upgrade halo-agent). Upgrades run in one transaction under an
advisory lock, so two hosts upgrading at once apply each migration once.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import TupleRow

from halo_agent.errors import HaloAgentError

_UPGRADE_LOCK = 0x4A1_0A9E  # pg_advisory_xact_lock key: one upgrade at a time

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "sessions, pending calls, counters, rate buckets, audit log", """
CREATE TABLE agent_sessions (
    id text PRIMARY KEY, principal_key text NOT NULL, principal text NOT NULL, history text NOT NULL,
    pending_confirmations text NOT NULL, awaiting_approvals text NOT NULL, user_texts text NOT NULL,
    created_at double precision NOT NULL, updated_at double precision NOT NULL);
CREATE TABLE session_leases (
    session_id text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);
CREATE TABLE pending (
    id text PRIMARY KEY, kind text NOT NULL, state text NOT NULL,
    requester text NOT NULL, requester_key text NOT NULL, session_id text NOT NULL,
    action text NOT NULL, args text NOT NULL, args_hash text NOT NULL, preview text NOT NULL,
    rule_id text NOT NULL, approver_roles text NOT NULL, created_at double precision NOT NULL,
    expires_at double precision NOT NULL, decided_by text, decided_at double precision, reason text,
    result text, error text);
CREATE INDEX pending_by_state ON pending (state, requester_key);
CREATE TABLE policy_calls (principal_key text NOT NULL, action text NOT NULL, at double precision NOT NULL);
CREATE INDEX policy_calls_by_key ON policy_calls (principal_key, action, at);
CREATE TABLE http_buckets (
    key text PRIMARY KEY, tokens double precision NOT NULL, stamp double precision NOT NULL);
CREATE TABLE audit_log (seq bigint PRIMARY KEY, record text NOT NULL, hash text NOT NULL);
CREATE TABLE audit_head (
    id smallint PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));
"""),
    (2, "chat bots: deliveries taken once, approval places", """
CREATE TABLE bot_deliveries (
    platform text NOT NULL, delivery_id text NOT NULL, seen_at double precision NOT NULL,
    PRIMARY KEY (platform, delivery_id));
CREATE INDEX bot_deliveries_by_age ON bot_deliveries (seen_at);
CREATE TABLE bot_approvals (
    pending_id text PRIMARY KEY, platform text NOT NULL, requester_place text NOT NULL,
    approvers_place text NOT NULL);
"""),
    (3, "the write-intent journal", """
CREATE TABLE intents (
    id text PRIMARY KEY, call_id text NOT NULL, session_id text NOT NULL, request_id text NOT NULL,
    principal text NOT NULL, principal_key text NOT NULL, tool text NOT NULL, args text NOT NULL,
    fingerprint text NOT NULL, pending_id text, attempt text NOT NULL, owner text NOT NULL,
    created_at double precision NOT NULL, state text NOT NULL, halo_id bigint, detail text,
    settled_at double precision, audited boolean NOT NULL DEFAULT false, notice text,
    told boolean NOT NULL DEFAULT true);
CREATE INDEX intents_open ON intents (state, session_id);
CREATE INDEX intents_unaudited ON intents (session_id) WHERE NOT audited;
CREATE INDEX intents_repeat ON intents (principal_key, fingerprint, created_at);
CREATE INDEX intents_untold ON intents (session_id) WHERE NOT told;
CREATE INDEX intents_by_pending ON intents (pending_id);
CREATE TABLE pending_owners (pending_id text PRIMARY KEY, owner text NOT NULL, at double precision NOT NULL);
"""),
    (4, "the web page's sign-ins", """
CREATE TABLE web_signins (
    digest text PRIMARY KEY, kind text NOT NULL, principal text NOT NULL,
    expires_at double precision NOT NULL);
CREATE INDEX web_signins_by_expiry ON web_signins (expires_at);
"""),
]
LATEST = MIGRATIONS[-1][0]
UPGRADE_COMMAND = "halo-agent db upgrade"


class SchemaError(HaloAgentError):
    """The database's schema is missing, older or newer than this version of halo-agent expects."""


def current_version(conn: psycopg.Connection[TupleRow]) -> int | None:
    """The applied schema version; None when halo-agent's schema was never created here."""
    exists = conn.execute("SELECT to_regclass('halo_agent_schema') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT max(version) FROM halo_agent_schema").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def check_schema(conn: psycopg.Connection[TupleRow], where: str) -> None:
    """Raise SchemaError unless the schema is exactly the one this code was written for."""
    version = current_version(conn)
    if version is None:
        raise SchemaError(f"the database {where} has no halo-agent schema yet; run `{UPGRADE_COMMAND}`")
    if version < LATEST:
        raise SchemaError(
            f"the database {where} has schema version {version}, older than this halo-agent's {LATEST}; "
            f"run `{UPGRADE_COMMAND}`"
        )
    if version > LATEST:
        raise SchemaError(
            f"the database {where} has schema version {version}, newer than this halo-agent knows "
            f"({LATEST}); upgrade halo-agent on this host"
        )


def upgrade(conn: psycopg.Connection[TupleRow]) -> tuple[int, list[int]]:
    """Apply every migration not yet applied, in one transaction: (the version before, the applied)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_UPGRADE_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS halo_agent_schema ("
                     "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        before = current_version(conn) or 0
        applied = []
        for version, _title, sql in MIGRATIONS:
            if version > before:
                conn.execute(sql)
                conn.execute("INSERT INTO halo_agent_schema (version) VALUES (%s)", (version,))
                applied.append(version)
    return before, applied
