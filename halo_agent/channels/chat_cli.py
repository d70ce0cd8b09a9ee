"""`halo-agent chat | ask | demo`: the agent in a terminal (their arguments: chat_args.py).

`ask --json` prints JSON lines, one object per line: first `{"type": "session", "session_id", "principal",
"backend", "model"}`, then each of the turn's events as defined in `halo_agent/agent/events.py`
(`tool_call`, `decision`, `tool_result`, `paused`, `text_delta`, `final` with `usage`, `error`).
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from halo_agent.agent.events import AgentEvent, ErrorEvent, Paused, ToolResultEvent
from halo_agent.channels.body_limit import DEFAULT_MAX_BODY_BYTES
from halo_agent.channels.closed_pipe import EXIT_READER_GONE, StdoutLines, reader_gone
from halo_agent.channels.input_text import not_utf8, stdin_lines
from halo_agent.channels.render import Renderer, make_console
from halo_agent.channels.repl import Repl, history_path, new_session_id, prompt_lines
from halo_agent.cli_common import (
    backend_label,
    banner,
    banner_line,
    model_label,
    opened,
    run,
    settings_from_args,
)
from halo_agent.config import Settings
from halo_agent.halo.errors import HaloError
from halo_agent.halo.startup import refuse_start, refused_at_start
from halo_agent.logs import configure_logging

EXIT_USAGE = 2  # argparse's own code for a bad command line
CHAT_LOG = "chat.log"  # in the data directory: an interactive chat's warnings


def chat_command(args: argparse.Namespace) -> int:
    return run(_started(_chat, args))


def ask_command(args: argparse.Namespace) -> int:
    return run(_started(_ask, args))


def demo_command(args: argparse.Namespace) -> int:
    return _demo(args)


async def _started(command: Callable[[argparse.Namespace], Awaitable[int]], args: argparse.Namespace) -> int:
    """Refuse a bad request or an unusable Halo before any turn, with one line and the exit code
    `config check` uses (3 credentials, 4 unreachable, 5 scopes); Halo errors at start end the same way."""
    problem = _message_problem(getattr(args, "message", None))
    if problem:
        return _fail(problem, EXIT_USAGE)
    try:
        refused = await refused_at_start(settings_from_args(args))
        return refused if refused is not None else await command(args)
    except HaloError as exc:
        return refuse_start(exc)


def _message_problem(message: str | None) -> str | None:
    if message is None:
        return None
    if not message.strip():
        return 'usage: ask needs a request, e.g. halo-agent ask "list my open tickets"'
    problem = not_utf8(message)
    if problem:
        return f"the request was not sent: {problem} (check the terminal's or the script's encoding)"
    size = len(message.encode())
    if size > DEFAULT_MAX_BODY_BYTES:
        return f"the request is {size} bytes; the limit is {DEFAULT_MAX_BODY_BYTES} bytes (64 KiB)"
    return None


def _fail(reason: str, code: int) -> int:
    print(f"halo-agent: {reason}", file=sys.stderr)
    return code


async def _chat(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    console = make_console()
    settings = settings_from_args(args)
    log_file = _log_to_file(settings) if interactive else None
    async with opened(args, settings) as (service, principal):
        session_id = args.session or new_session_id()
        steps = interactive or args.verbose
        repl = Repl(service, principal, settings, console, session_id=session_id, steps=steps)
        if not interactive:
            print(banner_line(settings), file=sys.stderr)
            return await repl.run(stdin_lines())
        _print_banner(console, [*banner(settings, principal), ("log", f"{log_file} (warnings, retries)")])
        repl.cancel_on_interrupt = True
        return await repl.run(prompt_lines(history_path(settings), f"{principal.role}>"))


def _log_to_file(settings: Settings) -> Path:
    """At the prompt, operational warnings (a retry on a busy Halo) go to a file in the data directory:
    written to the terminal they would land in the middle of the prompt and what is being typed."""
    settings.ensure_home()
    path = settings.home / CHAT_LOG
    configure_logging(logging.WARNING, stream=path.open("a", encoding="utf-8", buffering=1))
    return path


def _print_banner(console: Console, rows: list[tuple[str, str]]) -> None:
    (name, version), *rest = rows
    console.print(f"[bold]{name}[/] {version}")
    for label, value in rest:
        console.print(f"  [dim]{label:<6}[/] {escape(value)}")
    console.print("[dim]Type /help for commands, /quit or Ctrl-D to leave.[/]")


async def _ask(args: argparse.Namespace) -> int:
    """One turn. Exit 1 when the turn failed (`_failed`); a pause is a normal end (exit 0); 141 when the
    reader closed the pipe (the turn still ran to its end: see closed_pipe.py)."""
    settings = settings_from_args(args)
    async with opened(args, settings) as (service, principal):
        session_id = args.session or new_session_id("ask")
        async with aclosing(service.handle(args.message, principal, session_id)) as events:
            if not args.json:
                print(banner_line(settings), file=sys.stderr)
                console = make_console()
                code = await _print_rendered(events, _ask_renderer(args, session_id, console))
                return EXIT_READER_GONE if reader_gone(console) else code
            head = {"type": "session", "session_id": session_id, "principal": principal.model_dump(),
                    "backend": backend_label(settings), "model": model_label(settings)}
            out = StdoutLines()
            out.print(json.dumps(head))
            code = await _print_json(events, out)
            return EXIT_READER_GONE if out.reader_gone else code


async def _print_json(events: AsyncIterator[AgentEvent], out: StdoutLines) -> int:
    failed = False
    async for event in events:  # read to the end even once the reader is gone: the turn finishes
        failed = failed or _failed(event)
        out.print(event.model_dump_json())
    return 1 if failed else 0


async def _print_rendered(events: AsyncIterator[AgentEvent], renderer: Renderer) -> int:
    failed = False
    renderer.begin_turn()
    try:
        async for event in events:
            failed = failed or _failed(event)
            renderer.event(event)
    finally:
        renderer.end_turn()
    return 1 if failed else 0


def _failed(event: AgentEvent) -> bool:
    """The turn ended in an error, or Halo failed a call in a way the person cannot correct (down, a 5xx,
    a refused permission, a write whose outcome is unknown). The answer explains it; the exit code lets a
    script know the request was not done. A ticket that does not exist is for the person to correct."""
    if isinstance(event, ErrorEvent):
        return True
    if not isinstance(event, ToolResultEvent) or event.status != "error":
        return False
    return event.data.get("correctable") is False  # set on Halo's errors only (tools/outcomes.py)


def _ask_renderer(args: argparse.Namespace, session_id: str, console: Console) -> Renderer:
    steps = console.is_terminal or args.verbose

    def hint(paused: Paused) -> str:
        if paused.kind == "approval":
            return _approval_hint(paused)
        command = shlex.join(["halo-agent", "ask", *_identity_flags(args), "--session", session_id])
        return f"To go ahead: {command} yes   (or no to cancel)"

    return Renderer(console, steps=steps, usage=steps, pause_hint=hint)


def _approval_hint(paused: Paused) -> str:
    """A command the right person can run: another approver, named by their own identity flags."""
    who = " or ".join(paused.approver_roles) or "an approver"
    role = paused.approver_roles[0] if paused.approver_roles else "admin"
    flags = f"--role {role} --agent-id <another {role}'s id>"
    command = f"halo-agent approvals approve {paused.pending_id} {flags}"
    return f"Waiting for {who}: {command}   (you cannot approve your own request)"


def _identity_flags(args: argparse.Namespace) -> list[str]:
    flags: list[str] = []
    for flag, value in (("--role", args.role), ("--user", args.user), ("--agent-id", args.agent_id),
                        ("--home", args.home), ("--config", args.config), ("--model", args.model),
                        ("--policy", args.policy)):
        if value is not None:
            flags += [flag, str(value)]
    return flags


def _demo(args: argparse.Namespace) -> int:
    from halo_agent.channels.demo import run_demo

    return run(run_demo(args.model, make_console()))
