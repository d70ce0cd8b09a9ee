"""The interactive session: a prompt, slash commands, one turn per line, Ctrl-C cancels only the turn.

On a terminal it uses prompt_toolkit (history, line editing) and shows every step; with stdin piped it
reads lines and prints plain answers, so `printf 'list my tickets\\n' | halo-agent chat` works.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import aclosing
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from halo_agent.agent.events import ErrorEvent, Paused
from halo_agent.channels.closed_pipe import EXIT_READER_GONE, reader_gone
from halo_agent.channels.input_text import not_utf8
from halo_agent.channels.render import Renderer, audit_table, pending_table
from halo_agent.cli_common import banner
from halo_agent.config import Settings
from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.agent.service import AgentService

Command = Callable[[str], Awaitable[None]]
HISTORY_FILE = "chat-history"
APPROVER_COMMANDS = ("/approve", "/deny")
ADMINS_ONLY = "Approvals are for admins: an admin approves or denies your request (see /pending)."


def new_session_id(prefix: str = "chat") -> str:
    return f"{prefix}-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"


def repl_pause_hint(paused: Paused) -> str:
    if paused.kind == "confirmation":
        return "Type yes to go ahead, or no to cancel."
    who = " or ".join(paused.approver_roles) or "an approver"
    return f"Waiting for {who}: another person must approve {paused.pending_id} before it runs."


class Repl:
    """One person's conversation with the agent. `steps` shows each call, decision and result (on a
    terminal); `cancel_on_interrupt` makes Ctrl-C cancel the running turn instead of the program."""

    def __init__(
        self,
        service: AgentService,
        principal: Principal,
        settings: Settings,
        console: Console,
        *,
        session_id: str,
        steps: bool = True,
    ) -> None:
        self.service = service
        self.principal = principal
        self.settings = settings
        self.console = console
        self.session_id = session_id
        self.renderer = Renderer(console, steps=steps, usage=steps, pause_hint=repl_pause_hint)
        self.errors = 0
        self.cancel_on_interrupt = False
        self._commands = self._role_commands()
        self._running = True

    def _role_commands(self) -> dict[str, tuple[Command, str]]:
        """The slash commands this person may use: an employee never approves, so is not offered to."""
        commands: dict[str, tuple[Command, str]] = {
            "/help": (self._help, "this list"),
            "/whoami": (self._whoami, "who you are, the backend, the model and this session"),
            "/tools": (self._tools, "the tools your role may use"),
            "/pending": (self._pending, "confirmations and approvals waiting for you"),
            "/approve": (self._approve, "ID  approve someone's request: it runs now"),
            "/deny": (self._deny, "ID [REASON]  deny a request: it never runs"),
            "/audit": (self._audit, "[N]  the last N audit records (default 10)"),
            "/reset": (self._reset, "start a new conversation"),
            "/quit": (self._quit, "leave (also Ctrl-D)"),
        }
        if self._is_employee:
            return {name: command for name, command in commands.items() if name not in APPROVER_COMMANDS}
        return commands

    @property
    def _is_employee(self) -> bool:
        return self.principal.role == "employee"

    async def run(self, lines: AsyncIterator[str]) -> int:
        """Handle lines until /quit or end of input; the exit code of the session.

        141 when the output's reader went away (closed_pipe.py); otherwise
        0 whenever the session itself ran to its end (/quit, Ctrl-D, end of piped input), even if a turn
        was refused or ended in an error: those were answered on screen and the person carried on, as
        in any shell. `errors` still counts them for callers that want to know. A failure of the session
        itself (the service cannot start, the input breaks) raises and is the caller's to turn into a
        non-zero exit code.
        """
        async for line in lines:
            await self.handle_line(line)
            if not self._running or reader_gone(self.console):
                break  # a closed output pipe: the turn ran to its end, nothing new starts
        return EXIT_READER_GONE if reader_gone(self.console) else 0

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        problem = not_utf8(text)
        if problem:  # refused where it enters: nothing reaches the model
            self.errors += 1
            self.console.print(f"[bold red]error[/]: {escape(problem)}; the line was not sent")
            return
        try:
            if text.startswith("/"):
                await self._command(text)
            else:
                await self._guarded(self.turn(text))
        except HaloAgentError as exc:
            self.errors += 1
            self.console.print(f"[bold red]error[/]: {escape(str(exc))}")

    async def turn(self, message: str) -> None:
        self.renderer.begin_turn()
        try:
            async with aclosing(self.service.handle(message, self.principal, self.session_id)) as events:
                async for event in events:
                    self.errors += isinstance(event, ErrorEvent)
                    self.renderer.event(event)
        finally:
            self.renderer.end_turn()

    async def _guarded(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work`; on a terminal, Ctrl-C cancels it and the session carries on."""
        task = asyncio.ensure_future(work)
        interrupted = False

        def interrupt() -> None:
            nonlocal interrupted
            interrupted = True
            task.cancel()

        loop = asyncio.get_running_loop()
        installed = self.cancel_on_interrupt and _add_sigint(loop, interrupt)
        try:
            await task
        except asyncio.CancelledError:
            if not interrupted:
                raise
            self.renderer.idle()
            self.console.print("[yellow]Cancelled. Nothing more will run for that request.[/]")
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)

    # -- slash commands ----------------------------------------------------------------------------
    async def _command(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        command = self._commands.get(name.lower()) or self._commands.get({"/exit": "/quit"}.get(name, ""))
        if command is None and self._is_employee and name.lower() in APPROVER_COMMANDS:
            self.console.print(ADMINS_ONLY)
            return
        if command is None:
            self.console.print(f"[yellow]Unknown command {escape(name)}.[/] Type /help for the list.")
            return
        await command[0](rest.strip())

    async def _help(self, _: str) -> None:
        for name, command in self._commands.items():
            self.console.print(f"  [bold]{name:<9}[/] {escape(command[1])}", highlight=False)
        self.console.print("  Anything else is a request to the agent. Ctrl-C cancels a running request.")

    async def _whoami(self, _: str) -> None:
        for label, value in banner(self.settings, self.principal)[1:]:
            self.console.print(f"  [bold]{label:<7}[/] {escape(value)}", highlight=False)
        self.console.print(f"  [bold]{'session':<7}[/] {escape(self.session_id)}", highlight=False)

    async def _tools(self, _: str) -> None:
        tools = role_tools(self.settings, self.principal.role)
        width = max((len(name) for name, _ in tools), default=0)
        for name, description in tools:
            self.console.print(f"  [bold]{name:<{width}}[/]  {escape(description)}", highlight=False)

    async def _pending(self, _: str) -> None:
        records = self.service.pending(self.principal)
        if not records:
            self.console.print("Nothing is waiting.")
            return
        self.console.print(pending_table(records, self.console.width))

    async def _approve(self, pending_id: str) -> None:
        if not pending_id:
            self.console.print("Usage: /approve ID (see /pending)")
            return
        outcome = await self.service.approve(pending_id, self.principal)
        renderer = Renderer(self.console, steps=True, usage=False)
        for event in outcome.events:
            renderer.event(event)
        renderer.end_turn()

    async def _deny(self, rest: str) -> None:
        pending_id, _, reason = rest.partition(" ")
        if not pending_id:
            self.console.print("Usage: /deny ID [reason]")
            return
        await self.service.deny(pending_id, self.principal, reason.strip() or None)
        self.console.print(f"[yellow]Denied {escape(pending_id)}[/]: it will not run.")

    async def _audit(self, rest: str) -> None:
        count = int(rest) if rest.isdigit() else 10
        if self._is_employee:
            records = last_records(own_records(self.service.audit.records(), self.principal), count)
        else:
            records = self.service.audit.tail(count)
        if not records:
            empty = "You have no audit records yet." if self._is_employee else "The audit log is empty."
            self.console.print(empty)
            return
        self.console.print(audit_table(records, self.console.width))

    async def _reset(self, _: str) -> None:
        self.session_id = new_session_id()
        self.console.print(f"New conversation ({escape(self.session_id)}).")

    async def _quit(self, _: str) -> None:
        self._running = False


def own_records(records: Iterable[dict[str, Any]], principal: Principal) -> Iterable[dict[str, Any]]:
    """The records made on behalf of `principal`, matched on the canonical key resolved against Halo
    (never on a name or an email the record merely mentions)."""
    for record in records:
        who = record.get("principal")
        if isinstance(who, dict) and who.get("key") == principal.key:
            yield record


def last_records(records: Iterable[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return list(deque(records, maxlen=count)) if count > 0 else []


def role_tools(settings: Settings, role: str) -> list[tuple[str, str]]:
    """(name, first line of description) of each tool the role's policy can ever allow."""
    from halo_agent.policies.engine import PolicyEngine
    from halo_agent.tools.registry import default_registry

    allowed = PolicyEngine.load(settings.policy_file).actions_for(role)
    registry = default_registry()
    specs = [spec for name in sorted(allowed) if (spec := registry.get(name)) is not None]
    return [(spec.name, spec.description.strip().splitlines()[0]) for spec in specs]


def _add_sigint(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> bool:
    try:
        loop.add_signal_handler(signal.SIGINT, callback)
    except (NotImplementedError, RuntimeError):  # not on the main thread, or no signals (Windows)
        return False
    return True


async def prompt_lines(history: Path, prompt: str) -> AsyncIterator[str]:
    """Lines typed at a prompt_toolkit prompt. Ctrl-C at the prompt clears the line; Ctrl-D ends."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import HTML
    from prompt_toolkit.history import FileHistory

    history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(history=FileHistory(str(history)))
    while True:
        try:
            yield await session.prompt_async(HTML(f"<b><ansigreen>{prompt}</ansigreen></b> "))
        except KeyboardInterrupt:
            continue
        except EOFError:
            return


def history_path(settings: Settings) -> Path:
    return settings.home / HISTORY_FILE

