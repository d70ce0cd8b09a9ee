"""AgentService: the one facade every frontend uses (REPL, CLI, HTTP/SSE, MCP, your own chat bot).

    service = await AgentService.create(load_settings())
    me = await service.resolve_principal("employee", email="emma.hart@example.com")
    async for event in service.handle("What's the status of my ticket 789?", me, session_id="s1"):
        ...

The host application supplies the principal (checked against Halo here); nothing in a conversation can
change who is asking. One service holds one Halo client, one executor, one policy and one audit log.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import httpx2

from halo_agent.agent.events import AgentEvent, FinalAnswer, Paused, TextDelta
from halo_agent.agent.loop import answer_confirmation, run_turn
from halo_agent.agent.model import ChatModel
from halo_agent.config import Settings
from halo_agent.errors import HaloAgentError, PendingError
from halo_agent.halo.client import HaloClient
from halo_agent.halo.errors import HaloError, HaloNotFoundError
from halo_agent.halo.models import Agent, InstanceMetadata
from halo_agent.halo.reading import first_record
from halo_agent.logs import get_logger, register_secrets
from halo_agent.models.factory import build_model
from halo_agent.policies.engine import PolicyEngine, tool_arguments
from halo_agent.principal import Principal
from halo_agent.prompts import InstanceVocabulary, render_system_prompt
from halo_agent.storage.approvals import PendingRecord
from halo_agent.storage.audit import AuditLog
from halo_agent.storage.factory import open_storage
from halo_agent.storage.interface import Storage
from halo_agent.storage.sessions import Session, SessionError
from halo_agent.tools.executor import CallOutcome, Executor
from halo_agent.tools.reconcile import Reconciler
from halo_agent.tools.registry import default_registry

if TYPE_CHECKING:
    from halo_agent.sandbox import SandboxApp

log = get_logger("halo_agent.service")
RESERVED_SESSION_PREFIX = "mcp-"  # made by the server (channels/mcp_server.py), never chosen by a frontend
SANDBOX_NOTICE = "Using the embedded Halo sandbox (demo data, in-process). Set HALO_URL to use a real Halo."
_PROMPT_CACHE_SIZE = 256


class IdentityError(HaloAgentError):
    """The principal the host asserted does not match Halo (unknown email, unknown agent, unknown role)."""


class AgentService:
    """Build with `await AgentService.create(settings)`; close with `await service.aclose()`."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: HaloClient,
        model: ChatModel,
        engine: PolicyEngine,
        storage: Storage,
        executor: Executor,
        sandbox: SandboxApp | None = None,
    ) -> None:
        self.settings = settings
        intents = storage.intents
        self.reconciler = Reconciler(client, intents, storage.audit, storage.pending) if intents else None
        self.client = client
        self.model = model
        self.engine = engine
        self.storage = storage
        self.audit = storage.audit
        self.pending_store = storage.pending
        self.sessions = storage.sessions
        self.executor = executor
        self.sandbox = sandbox
        self.sandbox_notice = SANDBOX_NOTICE if sandbox is not None else None
        # (principal, date) -> (the metadata it was rendered from, the prompt)
        self._prompts: dict[tuple[Principal, dt.date], tuple[InstanceMetadata, str]] = {}

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        model: ChatModel | None = None,
        halo_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> AgentService:
        """Wire every part from settings. No Halo configured: the embedded sandbox, in-process."""
        settings.ensure_home()
        engine = PolicyEngine.load(settings.policy_file)
        engine.require_known_names(tool_arguments(default_registry()))  # as `policy check` would refuse it
        model = model or build_model(settings.model)
        storage = open_storage(settings, secrets=_secrets(settings))
        register_secrets(_secrets(settings))  # scrubbed from every log record from now on
        client, sandbox = _halo_client(settings, halo_transport)  # last: nothing to close if the rest fails
        executor = Executor(
            client, default_registry(), engine, storage.audit, storage.pending,
            pending_ttl_seconds=settings.agent.pending_ttl_seconds, intents=storage.intents,
        )  # fmt: skip
        service = cls(settings, client=client, model=model, engine=engine, storage=storage,
                      executor=executor, sandbox=sandbox)  # fmt: skip
        await service.recover()
        return service

    async def recover(self, session_id: str | None = None) -> list[str]:
        """Heal the audit log and finish what a dead process left (all sessions on start, else one);
        returns the session's updates not yet told. Never stops a start or a turn: a failure is logged
        and the work is retried next time."""
        if self.reconciler is None:
            return []
        try:
            if session_id is None and isinstance(self.audit, AuditLog):
                self.audit.heal()
            await self.reconciler.reconcile(session_id)
        except (HaloAgentError, OSError, sqlite3.Error) as exc:
            log.warning("reconcile.failed", error=str(exc))
        return self.reconciler.notices(session_id) if session_id else []

    async def resolve_principal(
        self, role: str, *, email: str | None = None, agent_id: int | None = None
    ) -> Principal:
        """The caller as Halo knows them, or IdentityError. Every entry point builds its principal here.

        Employees resolve by email to an active Halo user; every other role to an enabled Halo agent, by
        agent id or by email (both given: they must be the same agent). Unknown, disabled or mismatched
        identities are refused. The principal carries Halo's own id, name and email, never the asserted
        ones, so its `key` is the same whichever alias was used (self-approval, rate limits, sessions).
        """
        if role not in self.engine.roles():
            raise IdentityError(
                f"unknown role {role!r}; the policy defines: {', '.join(self.engine.roles())}"
            )
        if isinstance(agent_id, bool) or (agent_id is not None and not isinstance(agent_id, int)):
            raise IdentityError("an agent id is a whole number")
        if role == "employee":
            if agent_id is not None:
                raise IdentityError("an employee is identified by their email address, not an agent id")
            return await self._employee(email)
        agent = await self._agent(agent_id, email)
        return Principal(role=role, email=_lower(agent.email), name=agent.name, halo_agent_id=agent.id)

    async def _agent(self, agent_id: int | None, email: str | None) -> Agent:
        wanted = _lower(email)
        if agent_id is None and not wanted:
            raise IdentityError("an agent is identified by their Halo agent id or email address")
        agent = await self._agent_by_id(agent_id) if agent_id is not None else await self._agent_by_email(
            wanted or ""
        )
        if wanted and _lower(agent.email) != wanted:
            raise IdentityError(f"Halo agent {agent.id} does not have the email {email}")
        return agent

    async def _agent_by_id(self, agent_id: int) -> Agent:
        try:
            agent = first_record(await self.client.request_json("GET", f"Agent/{agent_id}"), Agent, "Agent")
        except HaloNotFoundError:
            agent = None
        if agent is None or agent.id != agent_id or agent.isdisabled:
            raise IdentityError(f"Halo has no active agent with id {agent_id}")
        return agent

    async def _agent_by_email(self, email: str) -> Agent:
        matches = [a for a in await self.client.agents() if _lower(a.email) == email and not a.isdisabled]
        if len(matches) != 1:
            problem = "no active agent" if not matches else "more than one active agent"
            raise IdentityError(f"Halo has {problem} with the email {email}")
        return await self._agent_by_id(matches[0].id)  # fresh: the directory is cached

    async def _employee(self, email: str | None) -> Principal:
        if not email or not email.strip():
            raise IdentityError("an employee is identified by their email address")
        user = await self.client.find_user_by_email(email)
        if user is None:
            raise IdentityError(f"Halo has no user with the email {email}")
        if user.inactive:
            raise IdentityError(f"the Halo user with the email {email} is inactive")
        return Principal(role="employee", email=_lower(user.email_address) or _lower(email), name=user.name,
                         halo_user_id=user.id)

    async def handle(
        self, message: str, principal: Principal, session_id: str, *, live_text: bool = True
    ) -> AsyncGenerator[AgentEvent, None]:
        """One turn: the events as they happen. The session is saved whatever happens. With
        `live_text=False` (nothing shows text as it arrives) the model is not asked to stream.

        Pauses end a turn, so they are held back until the session is saved and its lock released:
        a host may call `confirm` (or `handle` again) on the same session while reading them."""
        if session_id.startswith(RESERVED_SESSION_PREFIX) and self.sessions.get(session_id) is None:
            raise SessionError(f"session ids starting with {RESERVED_SESSION_PREFIX!r} are made by the "
                               "server (MCP parked confirmations); choose another id")
        held: list[AgentEvent] = []
        async with self.sessions.lock(session_id):
            session = self.sessions.load(session_id, principal)
            saved = False  # the answer's save holds the session as the turn left it
            try:
                for event in self._updates(session, await self.recover(session_id)):
                    yield event
                for event in self._approval_updates(session):
                    yield event
                turn = run_turn(
                    session, message, model=self.model, executor=self.executor,
                    settings=self.settings.agent, system_prompt=await self.system_prompt(principal),
                    live_text=live_text,
                )  # fmt: skip
                async with aclosing(turn):  # a host that stops reading ends the turn here, not at GC
                    async for event in turn:
                        saved = False
                        if held or isinstance(event, Paused):
                            held.append(event)
                            continue
                        if isinstance(event, FinalAnswer):
                            self.sessions.save(session)  # what the person reads next survives a crash
                            saved = True
                        yield event
            finally:
                if not saved:  # an answer ends the turn: nothing changed since its save
                    self.sessions.save(session)
        for event in held:
            yield event

    async def confirm(
        self, session_id: str, pending_id: str, principal: Principal, *, yes: bool
    ) -> list[AgentEvent]:
        """The same as answering yes/no in the conversation, for buttons (HTTP, CLI)."""
        async with self.sessions.lock(session_id):
            session = self.sessions.load(session_id, principal)
            updates = self._updates(session, await self.recover(session_id))
            record = self.pending_store.get(pending_id)
            if record is not None and record.is_expired():  # answered too late: 409, nothing runs
                raise PendingError(f"{pending_id} expired before it was confirmed; nothing was changed")
            if pending_id not in session.pending_confirmations:
                raise PendingError(
                    f"{pending_id} is not waiting for your confirmation in session {session_id}"
                )
            await self._closed_confirmation(session, pending_id, principal, yes=yes)
            turn = answer_confirmation(
                session, pending_id, approve=yes, model=self.model, executor=self.executor,
                settings=self.settings.agent, system_prompt=await self.system_prompt(principal),
            )  # fmt: skip
            try:
                return updates + [event async for event in turn]
            finally:
                self.sessions.save(session)

    async def _closed_confirmation(
        self, session: Session, pending_id: str, principal: Principal, *, yes: bool
    ) -> None:
        """A confirmation already answered elsewhere (another worker, a crashed one) is no turn: the loser
        of the race hears PendingError (HTTP 409), audited by the executor, not "Nothing was changed"."""
        record = self.pending_store.get(pending_id)
        if record is None or record.state == "pending":
            return
        session.pending_confirmations.remove(pending_id)
        self.sessions.save(session)
        await self.executor.resume(pending_id, principal, approve=yes)  # refused and audited: raises
        raise PendingError(f"request {pending_id} is already {record.state}")

    async def approve(self, pending_id: str, approver: Principal) -> CallOutcome:
        """An approver releases a paused call; it is re-checked and run once."""
        await self.recover(self._approval_record(pending_id).session_id)
        return await self.executor.resume(pending_id, approver, approve=True)

    async def deny(self, pending_id: str, approver: Principal, reason: str | None = None) -> CallOutcome:
        self._approval_record(pending_id)
        return await self.executor.resume(pending_id, approver, approve=False, reason=reason)

    def pending(self, principal: Principal) -> list[PendingRecord]:
        """Pauses this principal may act on: their own, and approvals their role may decide."""
        return [
            record
            for record in self.pending_store.list(state="pending")
            if record.requester.key == principal.key or self._may_approve(principal, record)
        ]

    async def system_prompt(self, principal: Principal) -> str:
        """With today's date and the instance's current vocabulary; re-rendered only when the principal,
        the date or the metadata (a new fetch after its TTL) changed."""
        today = dt.date.today()
        try:
            metadata = await self.client.metadata()
        except HaloError:  # the prompt says "unknown"; the tools still resolve names
            return render_system_prompt(principal, InstanceVocabulary(), today=today)
        cached = self._prompts.get((principal, today))
        if cached is not None and cached[0] is metadata:
            return cached[1]
        prompt = render_system_prompt(principal, InstanceVocabulary.from_metadata(metadata), today=today)
        if len(self._prompts) >= _PROMPT_CACHE_SIZE:
            self._prompts.clear()  # many principals or days: start over rather than grow
        self._prompts[(principal, today)] = (metadata, prompt)
        return prompt

    async def aclose(self) -> None:
        self.storage.close()
        await self.client.aclose()
        closer: Any = getattr(self.model, "aclose", None)
        if closer is not None:
            await closer()

    async def __aenter__(self) -> AgentService:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _approval_record(self, pending_id: str) -> PendingRecord:
        record = self.pending_store.get(pending_id)
        if record is None:
            raise PendingError(f"no pending call {pending_id}")
        if record.kind != "approval":
            raise PendingError(f"{pending_id} awaits its requester's own confirmation, not an approval")
        return record

    def _may_approve(self, approver: Principal, record: PendingRecord) -> bool:
        if record.kind != "approval":
            return False
        return self.engine.may_approve(approver, record.requester.key, record.approver_roles).allowed

    def _updates(self, session: Session, notes: list[str]) -> list[AgentEvent]:
        """What was found out about the person's earlier writes (a dead process's), shown and kept."""
        if not notes:
            return []
        session.history.append({"role": "assistant", "content": "\n".join(notes)})
        return [TextDelta(text="\n".join(notes) + "\n\n")]

    def _approval_updates(self, session: Session) -> list[AgentEvent]:
        """One line per approval decided since the requester's last turn, shown and kept in history."""
        notes: list[str] = []
        waiting: list[str] = []
        for pending_id in session.awaiting_approvals:
            record = self.pending_store.get(pending_id)
            note = approval_note(record) if record else None
            if note is None and record is not None:
                waiting.append(pending_id)
            elif note:
                notes.append(note)
        session.awaiting_approvals = waiting
        if not notes:
            return []
        session.history.append({"role": "assistant", "content": "\n".join(notes)})
        return [TextDelta(text="\n".join(notes) + "\n\n")]


def approval_note(record: PendingRecord) -> str | None:
    """A short update on a decided approval; None while it still waits (or is running)."""
    who = record.decided_by.describe() if record.decided_by else "an approver"
    what = f"{record.preview} ({record.id})"
    reason = f": {record.reason}" if record.reason else ""
    notes = {
        "done": f"Update: {who} approved {what}; it was carried out.",
        "failed": f"Update: {who} approved {what}, but it failed: {record.error or 'unknown error'}.",
        "denied": f"Update: {who} denied {what}{reason}.",
        "expired": f"Update: {what} expired without a decision; nothing was changed.",
    }
    return notes.get(record.state)


def _lower(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def _halo_client(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None
) -> tuple[HaloClient, SandboxApp | None]:
    if settings.halo is not None:
        return HaloClient(settings.halo, transport=transport), None
    from halo_agent.sandbox import SandboxConfig, create_app, sandbox_client

    app = create_app(SandboxConfig(state_file=settings.sandbox_state_file))
    return sandbox_client(app), app


def _secrets(settings: Settings) -> list[str]:
    values = []
    if settings.halo is not None:
        values.append(settings.halo.client_secret.get_secret_value())
    if settings.model.api_key is not None:
        values.append(settings.model.api_key.get_secret_value())
    if settings.database_url is not None:
        values.append(settings.database_url.get_secret_value())  # its password, should an error quote it
    return [v for v in values if v]
