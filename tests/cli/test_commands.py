"""The commands as separate processes: what a person at a shell, or a script, really gets.

Each test spawns Python, so there are few of them; they use the offline model and the sandbox, whose
state lives in `$HALO_AGENT_HOME/sandbox-state.db` between the processes of one test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from halo_agent.examples import DEMO_EMPLOYEE_EMAIL, SEED_PROMPTS
from halo_agent.sandbox.store import SandboxStore
from halo_agent.storage.audit import AuditLog
from tests.cli.proc import Terminal, halo

EMMA = ("--role", "employee", "--user", DEMO_EMPLOYEE_EMAIL)
CLOSE_790 = "Close ticket 790 with a note visible to the user: the VPN certificate was renewed, all working."


def _home() -> Path:
    return Path(os.environ["HALO_AGENT_HOME"])


def _audit() -> list[dict[str, Any]]:
    return AuditLog(_home() / "audit.jsonl").tail(1000)


def _state() -> dict[str, Any]:
    store = SandboxStore.demo(state_file=_home() / "sandbox-state.db")
    return {"tickets": list(store.tickets.values()), "lookups": store.lookups}


def _ticket(ticket_id: int) -> dict[str, Any]:
    return next(t for t in _state()["tickets"] if t["id"] == ticket_id)


def _priority_name(ticket: dict[str, Any]) -> str:
    rows = _state()["lookups"]["priorities"]
    key = (ticket["sla_id"], ticket["priority_id"])
    return next(r["name"] for r in rows if (r["slaid"], r["priorityid"]) == key)


def _events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _decisions(tool: str) -> list[str]:
    return [r["decision"] for r in _audit() if r.get("tool") == tool and "decision" in r]


def test_piped_chat_answers_each_line_as_the_given_employee() -> None:
    script = "What's the status of my ticket 789?\nWhat's the status of ticket 790?\n/audit 2\n"
    done = halo("chat", *EMMA, stdin=script)
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert "In Progress" in done.stdout and "not one of your tickets" in done.stdout
    assert "embedded Halo sandbox" in done.stderr
    assert _decisions("haloitsm_get_ticket") == ["allow", "deny"]  # 790 belongs to someone else
    audit_rows = [line for line in done.stdout.splitlines() if "Emma Hart (user" in line and "get_t" in line]
    assert len(audit_rows) == 2 and "deny" in audit_rows[1], done.stdout


def test_ask_json_is_one_parseable_event_per_line_ending_in_the_answer_and_usage() -> None:
    done = halo("ask", "--json", "List all open incidents assigned to agent 6.")
    assert done.returncode == 0, done.stderr
    events = _events(done.stdout)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "session" and events[0]["principal"]["halo_agent_id"] == 1
    assert {"tool_call", "decision", "tool_result"} <= set(kinds) and kinds[-1] == "final"
    call = next(e for e in events if e["type"] == "tool_call")
    assert call["tool"] == "haloitsm_list_tickets" and call["arguments"]["agent"] == 6
    usage = events[-1]["usage"]
    assert usage["model_round_trips"] >= 1 and usage["halo_calls"] >= 1 and usage["tool_calls"] == 1


def test_a_paused_close_waits_and_a_second_ask_in_the_same_session_confirms_it() -> None:
    first = halo("ask", "--session", "close-790", "--json", CLOSE_790)
    assert first.returncode == 0, first.stderr
    paused = next(e for e in _events(first.stdout) if e["type"] == "paused")
    assert paused["kind"] == "confirmation" and "790" in paused["preview"]
    assert _ticket(790)["status_id"] != 9  # nothing changed yet

    second = halo("ask", "--session", "close-790", "yes")
    assert second.returncode == 0, second.stderr
    assert _ticket(790)["status_id"] == 9
    assert _decisions("haloitsm_resolve_ticket")[:1] == ["confirm"]


def test_ask_without_json_prints_the_preview_and_the_command_that_confirms() -> None:
    done = halo("ask", "--session", "s2", CLOSE_790)
    assert done.returncode == 0, done.stderr
    assert "Confirmation needed" in done.stdout and "790" in done.stdout
    assert "halo-agent ask --session s2 yes" in done.stdout


def test_approvals_list_and_approve_by_a_second_admin() -> None:
    asked = halo("ask", "--json", "Raise the priority of ticket 789 to Critical.")
    paused = next(e for e in _events(asked.stdout) if e["type"] == "paused")
    assert paused["kind"] == "approval"

    listed = halo("approvals", "list", "--json", "--agent-id", "2")
    assert listed.returncode == 0, listed.stderr
    record = next(r for r in json.loads(listed.stdout) if r["id"] == paused["pending_id"])
    assert record["action"] == "haloitsm_update_ticket" and record["args"]["ticket_id"] == 789

    own = halo("approvals", "approve", paused["pending_id"])  # the requester, agent 1
    assert own.returncode != 0 and _priority_name(_ticket(789)) != "Critical"

    approved = halo("approvals", "approve", paused["pending_id"], "--agent-id", "2")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert _priority_name(_ticket(789)) == "Critical"
    assert json.loads(halo("approvals", "list", "--json", "--agent-id", "2").stdout) == []


def test_demo_plays_every_request_and_its_audit_verifies() -> None:
    done = halo("demo", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\x1b[" not in done.stdout
    for prompt in SEED_PROMPTS:
        assert prompt.text in done.stdout
    assert "refused" in done.stdout and "Approval needed" in done.stdout
    assert "audit verify" in done.stdout and "hash chain intact" in done.stdout
    assert not (_home() / "audit.jsonl").exists()  # the demo never touches the person's data


def test_chat_on_a_terminal_shows_steps_in_colour_and_survives_ctrl_c_at_the_prompt() -> None:
    terminal = Terminal("chat", *EMMA)
    try:
        terminal.expect(r"embedded Halo sandbox")
        terminal.expect(r"employee>")
        terminal.send("What's the status of my ticket 789?\r")
        shown = terminal.expect(r"model round trip[\s\S]*employee>")
        assert "haloitsm_get_ticket(ticket_id=789)" in shown and "allowed" in shown and "In Progress" in shown
        assert "\x1b[32m" in terminal.raw  # green: allowed
        terminal.send("half a line\x03")  # Ctrl-C at the prompt drops the line, not the session
        terminal.expect(r"half a line")
        terminal.send("/whoami\r")
        terminal.expect(r"Emma Hart \(employee\)[\s\S]*session")
        terminal.send("/quit\r")
        assert terminal.wait() == 0
    finally:
        terminal.kill()
    history = (_home() / "chat-history").read_text(encoding="utf-8")
    assert "status of my ticket 789" in history and "half a line" not in history
