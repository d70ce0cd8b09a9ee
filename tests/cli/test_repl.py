from __future__ import annotations

import asyncio
import io
import os
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

from rich.console import Console

from halo_agent.channels.repl import Repl
from halo_agent.config import load_settings
from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal
from halo_agent.tools.trace import principal_record
from tests.cli.fakes import ALEX, EMMA, FakeService, refused_events


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


def _repl(
    service: FakeService, *, steps: bool = True, who: Principal = EMMA
) -> tuple[Repl, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    repl = Repl(service, who, load_settings(), console, session_id="s-1", steps=steps)  # type: ignore[arg-type]
    return repl, out


class FakeAudit:
    """The audit log's two readers, over records made by the given principals in turn."""

    def __init__(self, *principals: Principal) -> None:
        self.rows = [
            {"seq": seq, "time": "2026-12-01T03:00:00", "principal": principal_record(who),
             "tool": "haloitsm_get_ticket", "decision": "allow", "outcome": {"status": "ok"}}
            for seq, who in enumerate(principals, start=1)
        ]

    def tail(self, n: int = 20) -> list[dict[str, Any]]:
        return self.rows[-n:]

    def records(self, *, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        return iter(self.rows)


def _handled(service: FakeService) -> list[tuple[object, ...]]:
    return [call for call in service.calls if call[0] == "handle"]


async def test_each_line_is_one_turn_in_the_same_session_as_the_caller() -> None:
    service = FakeService()
    repl, out = _repl(service)
    code = await repl.run(_lines("list my tickets", "", "yes"))
    assert code == 0
    assert _handled(service) == [("handle", "list my tickets", EMMA, "s-1"), ("handle", "yes", EMMA, "s-1")]
    assert out.getvalue().count("You have 2 open tickets.") == 2


async def test_quit_stops_reading_lines() -> None:
    service = FakeService()
    repl, _ = _repl(service)
    await repl.run(_lines("/quit", "list my tickets"))
    assert _handled(service) == []


async def test_help_lists_every_slash_command_to_an_admin() -> None:
    repl, out = _repl(FakeService(), who=ALEX)
    await repl.run(_lines("/help"))
    for name in ("/help", "/whoami", "/tools", "/pending", "/approve", "/deny", "/audit", "/reset", "/quit"):
        assert name in out.getvalue()


async def test_an_employee_is_not_offered_approve_or_deny_and_is_told_why() -> None:
    service = FakeService()
    repl, out = _repl(service)
    await repl.run(_lines("/help"))
    assert "/pending" in out.getvalue() and "/approve" not in out.getvalue() and "/deny" not in out.getvalue()
    code = await repl.run(_lines("/approve p-9", "/deny p-9 no", "/APPROVE"))
    assert out.getvalue().count("Approvals are for admins") == 3 and code == 0
    assert not [call for call in service.calls if call[0] in ("approve", "deny")]


async def test_an_employees_audit_shows_only_their_own_records() -> None:
    namesake = Principal(role="employee", email="EMMA.HART@example.com", name="Emma Hart", halo_user_id=12)
    service = FakeService()
    service.audit = FakeAudit(EMMA, ALEX, namesake, EMMA, ALEX)  # type: ignore[attr-defined]
    repl, out = _repl(service)
    await repl.run(_lines("/audit"))
    seqs = [line.split("\t")[0] for line in out.getvalue().splitlines()[1:]]
    assert seqs == ["1", "4"], out.getvalue()
    await repl.run(_lines("/audit 1"))
    assert out.getvalue().splitlines()[-1].startswith("4\t")


async def test_an_employee_with_no_records_is_told_so_and_an_admin_sees_everyone() -> None:
    service = FakeService()
    service.audit = FakeAudit(ALEX, ALEX)  # type: ignore[attr-defined]
    repl, out = _repl(service)
    await repl.run(_lines("/audit"))
    assert out.getvalue().strip() == "You have no audit records yet."
    service.audit = FakeAudit(EMMA, ALEX)  # type: ignore[attr-defined]
    admin, out = _repl(service, who=ALEX)
    await admin.run(_lines("/audit"))
    assert "Emma Hart (user 11)" in out.getvalue() and "Alex Morgan (agent 1)" in out.getvalue()


async def test_whoami_names_the_person_the_sandbox_and_the_session() -> None:
    repl, out = _repl(FakeService())
    await repl.run(_lines("/whoami"))
    text = out.getvalue()
    assert "Emma Hart (employee), Halo user 11" in text
    assert "embedded Halo sandbox" in text and "offline model" in text and "s-1" in text


async def test_pending_shows_the_waiting_records() -> None:
    service = FakeService()
    repl, out = _repl(service)
    await repl.run(_lines("/pending"))
    assert ("pending", EMMA) in service.calls
    assert "p-9" in out.getvalue() and "haloitsm_update_ticket" in out.getvalue()


async def test_approve_acts_as_the_person_at_the_prompt() -> None:
    service = FakeService()
    repl, out = _repl(service, who=ALEX)
    await repl.run(_lines("/approve p-9"))
    assert ("approve", "p-9", ALEX) in service.calls
    assert "Ticket 789 priority set to Critical" in out.getvalue()


async def test_deny_passes_the_reason() -> None:
    service = FakeService()
    repl, out = _repl(service, who=ALEX)
    await repl.run(_lines("/deny p-9 not during the freeze"))
    assert ("deny", "p-9", ALEX, "not during the freeze") in service.calls
    assert "Denied p-9" in out.getvalue()


async def test_a_failing_command_is_reported_and_the_session_goes_on_to_exit_0() -> None:
    service = FakeService()
    repl, out = _repl(service, who=ALEX)
    code = await repl.run(_lines("/approve nope", "list my tickets", "/quit"))
    assert "error: no pending request nope" in out.getvalue()
    assert len(_handled(service)) == 1 and repl.errors == 1 and code == 0


async def test_unknown_command_and_missing_id_are_explained() -> None:
    service = FakeService()
    repl, out = _repl(service, who=ALEX)
    await repl.run(_lines("/frobnicate", "/approve"))
    assert "Unknown command /frobnicate" in out.getvalue() and "Usage: /approve ID" in out.getvalue()
    assert not [c for c in service.calls if c[0] == "approve"]


async def test_reset_starts_a_new_session() -> None:
    service = FakeService()
    repl, _ = _repl(service)
    await repl.run(_lines("hello", "/reset", "hello"))
    first, second = _handled(service)
    assert first[3] == "s-1" and second[3] != "s-1"


async def test_service_errors_during_a_turn_do_not_end_the_session() -> None:
    def broken(message: str) -> list[object]:
        if message == "boom":
            raise HaloAgentError("Halo is unreachable")
        return refused_events(message)

    repl, out = _repl(FakeService(broken))
    code = await repl.run(_lines("boom", "ticket 790", "/quit"))
    assert "error: Halo is unreachable" in out.getvalue()
    assert "I can't show you ticket 790." in out.getvalue() and code == 0  # the session itself ended well


async def test_ctrl_c_cancels_the_running_turn_but_not_the_session() -> None:
    service = FakeService(delay=30)
    repl, out = _repl(service)
    repl.cancel_on_interrupt = True
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, os.kill, os.getpid(), signal.SIGINT)
    started = loop.time()
    previous = signal.getsignal(signal.SIGINT)
    try:
        await repl.handle_line("something slow")
    finally:
        restored = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)
    assert loop.time() - started < 5
    assert "Cancelled" in out.getvalue()
    service.delay = 0
    await repl.handle_line("list my tickets")
    assert "You have 2 open tickets." in out.getvalue()
    assert restored is signal.default_int_handler  # Ctrl-C at any other moment ends the program


async def test_piped_session_prints_only_answers() -> None:
    repl, out = _repl(FakeService(), steps=False)
    await repl.run(_lines("list my tickets"))
    assert out.getvalue().strip() == "You have 2 open tickets."



async def test_tools_lists_only_what_the_policy_can_allow_the_role() -> None:
    repl, out = _repl(FakeService())
    await repl.run(_lines("/tools"))
    names = {line.split()[0] for line in out.getvalue().splitlines() if line.strip()}
    assert {"haloitsm_create_ticket", "haloitsm_get_ticket", "haloitsm_search_kb"} <= names
    assert "haloitsm_update_ticket" not in names and "haloitsm_lookup" not in names
