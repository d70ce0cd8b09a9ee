"""Snapshots of the common answers as a person sees them: at an 80-column terminal (colour off, so the
file is plain text) and piped. Real service, offline model, embedded sandbox; nothing canned.

A wording or layout change shows up as a diff of a file under tests/cli/snapshots/. To accept a
deliberate change, rerun with HALO_AGENT_UPDATE_SNAPSHOTS=1 and review the diff before committing.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from halo_agent.agent.service import AgentService
from halo_agent.channels.render import Renderer
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.principal import Principal
from tests.cli.proc import strip_ansi

SNAPSHOTS = Path(__file__).parent / "snapshots"
CASES = {
    "list": ("admin", ["List every open HaloITSM Incident assigned to agent ID 6"]),
    "created": ("employee", ["Open a HaloITSM ticket — Hi, my laptop drops off Wi-Fi every time it wakes "
                             "from sleep"]),
    "note-employee": ("employee", ['Add a note to my open ticket: "Tried rebooting twice, same error"',
                                   "the email one, 789", "yes"]),
    "note-admin": ("admin", ['Add a hidden-from-user note to ticket 789: "Investigated — root cause is a DNS '
                             'misconfiguration, escalating to L3"']),
    "pause": ("employee", ["Please close my email ticket — it's working again since this morning"]),
    "one-ticket": ("employee", ["list my open tickets about email"]),
    "reassign": ("admin", ["Reassign ticket 792 to Ben Carter"]),
    "resolve": ("admin", ["Close ticket 790 with a note visible to the user: the VPN certificate was "
                          "renewed, all working.", "yes"]),
    "lookup": ("admin", ["look up the agent Sam Turner", "How do I reset my password?"]),
    "refused": ("employee", ["Open a critical ticket: the whole office network is down"]),
    "approval": ("admin", ["Create a Critical incident: payroll server is down for everyone",
                          "site is Head Office"]),  # staff are asked where a ticket with no place goes
    "errors": ("admin", ["Reassign ticket 789 to the Catering team", "show ticket 99999"]),
}
# A sentence ended twice: "..", ". .", "?." or a quote's own full stop followed by another.
_DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|\.\s+\.|[?!]\.|[.?!]['\"]\.")
_SPINNER = re.compile(r"^[⠀-⣿] .*…$")  # the terminal's spinner, erased on screen as the answer comes
_PENDING_ID = re.compile(r"\b[0-9a-f]{8,}\b|\bp-[0-9A-Za-z_-]+")


async def _transcript(role: str, messages: list[str], console: Console, tmp_path: Path) -> None:
    """The conversation as `chat` shows it: every step on a terminal, only the answers when piped."""
    service = await AgentService.create(Settings(home=tmp_path / role))
    try:
        principal: Principal = await (
            service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID) if role == "admin"
            else service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
        )
        renderer = Renderer(console, steps=console.is_terminal, usage=False)  # usage: times vary
        for message in messages:
            console.print(f"> {message}", markup=False, highlight=False)
            renderer.begin_turn()
            async for event in service.handle(message, principal, "snapshot"):
                renderer.event(event)
            renderer.end_turn()
    finally:
        await service.aclose()


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    text = _PENDING_ID.sub("<id>", "\n".join(line.rstrip() for line in text.splitlines()) + "\n")
    if os.environ.get("HALO_AGENT_UPDATE_SNAPSHOTS") or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs; see the module docstring"


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("where", ["80-columns", "piped"])
async def test_common_answers_match_their_snapshots(case: str, where: str, tmp_path: Path) -> None:
    out = io.StringIO()
    terminal = where == "80-columns"
    console = Console(file=out, width=80 if terminal else 120, force_terminal=terminal, color_system=None,
                      highlight=False, soft_wrap=not terminal)
    role, messages = CASES[case]
    await _transcript(role, messages, console, tmp_path)
    text = "\n".join(line for line in strip_ansi(out.getvalue()).splitlines() if not _SPINNER.match(line))
    if terminal:  # the tables drawn here fit; the terminal itself wraps a long line of prose
        assert all(len(line) <= 80 for line in text.splitlines() if "─" in line), text
    else:
        assert "─" not in text and "\x1b[" not in text
    assert not _DOUBLED.search(text), _DOUBLED.search(text)
    _check(f"{case}.{where}", text)
