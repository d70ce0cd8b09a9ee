"""One write turn against a faulty sandbox, judged by Halo's final state, the audit log and the answer.

Shared by the fault matrix (tests/faults) and `benchmarks/write_faults.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx2

from halo_agent.agent.events import AgentEvent, FinalAnswer, Paused, ToolResultEvent
from halo_agent.agent.model import Message, ModelResponse, ToolSchema
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.models.factory import build_model
from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app, sandbox_settings
from halo_agent.testing import FunctionModel, call, text

WriteKind = Literal["create", "note"]
ModelKind = Literal["offline", "scripted", "retrying"]
Verdict = Literal["succeeded", "failed", "unknown", "paused"]
NOTE_TICKET = 789
NOTE_TEXT = "Checked the DNS records, the resolver is fine, escalating to L3"
SUMMARY = "Laptop drops off Wi-Fi after sleep"
DETAILS = "My laptop drops off Wi-Fi every time it wakes from sleep"
REQUESTS = {
    "create": "Open a HaloITSM ticket — my laptop drops off Wi-Fi every time it wakes from sleep",
    "note": f'Add a hidden-from-user note to ticket {NOTE_TICKET}: "{NOTE_TEXT}"',
}
TOOLS = {"create": "haloitsm_create_ticket", "note": "haloitsm_add_note"}
# (kind, options) per fault; `path` defaults to the write's own path, `method` to POST.
Fault = tuple[str, dict[str, Any]]
SCENARIOS: dict[str, list[Fault]] = {
    "none": [],
    "status_500": [("status", {"status": 500})],
    "status_503_forever": [("status", {"status": 503, "times": None})],
    "status_502": [("status", {"status": 502})],
    "status_504": [("status", {"status": 504})],
    "status_429_forever": [("status", {"status": 429, "times": None})],
    "latency": [("latency", {"seconds": 0.01})],
    "drop": [("drop", {})],
    "timeout": [("timeout", {})],
    "commit_then_timeout": [("commit_then_timeout", {})],
    "commit_then_502": [("commit_then_status", {"status": 502})],
    "commit_then_500": [("commit_then_status", {"status": 500})],
    "slow_commit_seen_by_a_later_look": [("delayed_commit", {"requests": 2})],
    "slow_commit_after_the_window": [("delayed_commit", {"requests": 1000})],
    "drop_then_timeout": [("drop", {}), ("timeout", {"method": "GET", "times": 2})],
    "lost_then_lookups_fail": [
        ("commit_then_timeout", {}), ("status", {"method": "GET", "status": 503, "times": None, "after": 1}),
    ],
    "slow_commit_then_lookups_time_out": [
        ("delayed_commit", {"requests": 4}), ("timeout", {"method": "GET", "times": 3, "after": 1}),
    ],
    "timeout_then_500": [("timeout", {}), ("status", {"method": "GET", "status": 500, "after": 1})],
    "halo_down": [("status", {"method": "GET", "status": 503, "times": None})],
}


@dataclass
class Run:
    """What one turn did and what it said."""

    service: AgentService
    app: SandboxApp
    kind: WriteKind
    before: set[int]
    events: list[AgentEvent] = field(default_factory=list)

    @property
    def answer(self) -> str:
        """The final answer; a turn that ends in a pause shows the pause (with any earlier write noted)."""
        finals = [e.text for e in self.events if isinstance(e, FinalAnswer)]
        if finals:
            return finals[-1]
        return "\n\n".join(f"Please confirm: {e.preview}" for e in self.events if isinstance(e, Paused))

    def landed(self) -> list[int]:
        """Ids of the records this turn added to Halo (tickets, or notes on the ticket)."""
        store = self.app.state_store
        if self.kind == "create":
            ids = {t["id"] for t in store.tickets.values() if _wifi(t)}
        else:
            ids = {a["id"] for a in store.actions_for(NOTE_TICKET) if NOTE_TEXT in str(a.get("note"))}
        return sorted(ids - self.before)

    def write_calls(self) -> int:
        tool = TOOLS[self.kind]
        return sum(1 for e in self.events if isinstance(e, ToolResultEvent | Paused) and e.tool == tool)

    def audited(self) -> list[dict[str, Any]]:
        return [r for r in self.service.audit.tail(500)
                if r.get("tool") == TOOLS[self.kind] and r.get("event") in ("tool_call", "pending_run")]


def _wifi(ticket: dict[str, Any]) -> bool:
    return "wi-fi" in f"{ticket.get('summary')} {ticket.get('details')}".lower()


def verdicts(answer: str) -> list[Verdict]:
    """What each paragraph of the answer claims (offline model and the scripted models' words)."""
    found: list[Verdict] = []
    for paragraph in answer.split("\n\n"):
        if paragraph.startswith(("I don't know whether", "Unknown:")):
            found.append("unknown")
        elif paragraph.startswith(("I couldn't", "Failed:")):
            found.append("failed")
        elif paragraph.startswith(("Please confirm", "This needs approval")):
            found.append(_earlier(paragraph))
        elif paragraph.startswith(("Opened ticket #", "Added ", "Done:")):
            found.append("succeeded")
    return found


def _earlier(paragraph: str) -> Verdict:
    """A repeat's pause notes the earlier write: what it says of it is a claim too."""
    if "(its outcome is unknown)" in paragraph or "has not finished" in paragraph:
        return "unknown"
    if "was carried out at" in paragraph:
        return "succeeded"
    return "paused"


def claimed_ids(answer: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?:ticket #|\"ticket_id\": |\"note_id\": |\(ticket #)(\d+)", answer)]


def scripted_model(kind: WriteKind, *, retries: int) -> FunctionModel:
    """A model that proposes the write, repeats it after an error `retries` times, then answers from the
    tool results it got (one paragraph each), as a literal-minded LLM would."""
    write = (
        {"summary": SUMMARY, "details": DETAILS} if kind == "create"
        else {"ticket_id": NOTE_TICKET, "note": NOTE_TEXT, "hidden_from_user": True}
    )

    def respond(messages: list[Message], tools: list[ToolSchema]) -> ModelResponse:
        results = _results_since_user(messages)
        if not results or (results[-1].get("status") == "error" and len(results) <= retries):
            return ModelResponse(tool_calls=[call(TOOLS[kind], **write)])
        return text("\n\n".join(_words(result) for result in results))

    return FunctionModel(respond, name=f"scripted-{kind}-{retries}")


def _results_since_user(messages: list[Message]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for message in messages:
        if message["role"] == "user":
            results = []
        elif message["role"] == "tool":
            results.append(json.loads(message["content"]))
    return results


def _words(result: dict[str, Any]) -> str:
    status = result.get("status")
    if status == "ok":
        return "Done: " + json.dumps(result.get("result") or result.get("untrusted_data"))
    if status == "paused":
        return f"Please confirm: {result.get('preview')}"
    if status == "error" and result.get("outcome") == "unknown":
        return f"Unknown: {result.get('error')}"
    return f"Failed: {result.get('error') or result.get('reason')}"


async def start(home: Path, model_kind: ModelKind, kind: WriteKind, app: SandboxApp | None = None) -> Run:
    app = app or create_app(SandboxConfig())
    settings = Settings(home=home, halo=sandbox_settings(app.config, url="https://desk.example.com"))
    model = (build_model(settings.model) if model_kind == "offline"
             else scripted_model(kind, retries=1 if model_kind == "retrying" else 0))
    service = await AgentService.create(settings, model=model, halo_transport=httpx2.ASGITransport(app))
    _instant(service)
    run = Run(service, app, kind, set())
    run.before = set(run.landed())
    return run


def _instant(service: AgentService) -> None:
    """Waits cost nothing (the look-up window and retries keep their counts)."""

    async def no_wait(seconds: float) -> None:
        return None

    service.client.retry.sleep = no_wait
    assert service.reconciler is not None
    service.reconciler.settle_after_seconds = 0.0


async def turn(run: Run, faults: list[Fault]) -> None:
    path = "/api/Tickets" if run.kind == "create" else "/api/Actions"
    for kind, options in faults:
        run.app.faults.add(kind, **{"method": "POST", "path": path, **options})
    who = (await run.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL) if run.kind == "create"
           else await run.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID))
    run.events += [event async for event in run.service.handle(REQUESTS[run.kind], who, "matrix")]
    run.app.faults.clear()


@dataclass
class Judgement:
    duplicates: int = 0
    lost: int = 0
    untruthful: list[str] = field(default_factory=list)
    audit_problems: list[str] = field(default_factory=list)


def judge(run: Run, answer: str, landed: list[int]) -> Judgement:
    """Duplicates, lost writes, untruthful claims and audit problems of one turn (Halo as it is now)."""
    verdict = Judgement(duplicates=max(0, len(landed) - 1))
    claims = [v for v in verdicts(answer) if v != "paused"]  # one per write call, in order
    if not claims:
        verdict.untruthful.append(f"no claim about the write in {answer!r}")
    successes, unknowns = claims.count("succeeded"), claims.count("unknown")
    if successes > len(landed):
        verdict.lost += successes - len(landed)
        verdict.untruthful.append(f"{successes} success(es) claimed, {len(landed)} landed: {answer!r}")
    if len(landed) > successes + unknowns:
        verdict.untruthful.append(f"failure claimed for a write that landed: {answer!r}")
    if run.kind == "create" and not set(claimed_ids(answer)) <= set(landed):
        verdict.untruthful.append(f"a ticket number claimed is not one that was made: {answer!r}")
    audited = run.audited()
    if len(audited) != run.write_calls():
        verdict.audit_problems.append(f"{run.write_calls()} write calls, {len(audited)} audit records")
    if any(r["outcome"]["status"] == "ok" for r in audited) and not landed:
        verdict.audit_problems.append("an audit record says ok for a write that did not land")
    if not run.service.audit.verify().ok:
        verdict.audit_problems.append("the audit log does not verify")
    return verdict
