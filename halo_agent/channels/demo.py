"""`halo-agent demo`: the nine seed requests word for word, a refusal and an approval, in two acts.

The admin's five requests and the employee's four both work on Emma Hart's email ticket 789 (the admin
closes it; so does Emma), so each act gets a fresh sandbox of its own. Each step shows the request,
the proposed call, the policy's decision, the change in Halo and the answer; when the agent asks for a
detail the person's reply from `examples.py` follows. Each act closes with its audit trail and its
verification. Exit code 0 when every step went as the policy says it should and both audit chains verify.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from halo_agent.agent.events import ErrorEvent, FinalAnswer, Paused, PolicyDecisionEvent, ToolResultEvent
from halo_agent.channels.render import Renderer, audit_table
from halo_agent.cli_common import banner, quiet_logging
from halo_agent.config import Settings, load_settings
from halo_agent.errors import HaloAgentError
from halo_agent.examples import (
    ADMIN_PROMPTS,
    DEMO_ADMIN_AGENT_ID,
    DEMO_EMPLOYEE_EMAIL,
    DEMO_SECOND_ADMIN_AGENT_ID,
    EMPLOYEE_PROMPTS,
    SeedPrompt,
)
from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.agent.service import AgentService

REFUSED_REQUEST = "What's the status of ticket 790?"
APPROVAL_REQUEST = "Raise the priority of ticket 790 to Critical."


@dataclass
class StepResult:
    """What one request produced, for the checks at the end."""

    events: list[Any] = field(default_factory=list)

    @property
    def paused(self) -> Paused | None:
        return next((e for e in reversed(self.events) if isinstance(e, Paused)), None)

    @property
    def failed(self) -> bool:
        return any(isinstance(e, ErrorEvent) for e in self.events)

    @property
    def answered(self) -> bool:
        return any(isinstance(e, FinalAnswer | Paused) for e in self.events)

    @property
    def asked(self) -> bool:
        """The agent ended the turn with a question (a detail it needs), not an action or a pause."""
        finals = [e.text for e in self.events if isinstance(e, FinalAnswer)]
        return bool(finals) and finals[-1].rstrip().endswith("?") and self.paused is None

    @property
    def refused(self) -> bool:
        return any(
            (isinstance(e, PolicyDecisionEvent) and e.decision == "deny")
            or (isinstance(e, ToolResultEvent) and e.status == "refused")
            for e in self.events
        )


def demo_settings(home: Path, model_name: str) -> Settings:
    """Sandbox settings in `home`, whatever Halo the environment points at (the demo never touches it)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HALO_")}
    return load_settings(env=env, overrides={"home": str(home), "model.name": model_name})


async def run_demo(model_name: str, console: Console) -> int:
    quiet_logging()
    console.print("[bold]halo-agent demo[/]: the nine seed requests, one refusal, one approval")
    problems = await _act(model_name, console, "admin")
    problems += await _act(model_name, console, "employee")
    if not problems:
        console.print("[green]✓ every step went as the policy says[/]")
    return 1 if problems else 0


async def _act(model_name: str, console: Console, role: str) -> list[str]:
    """One act on a sandbox of its own: the role's seed requests, then its refusal or approval."""
    from halo_agent.agent.service import AgentService

    with tempfile.TemporaryDirectory(prefix="halo-agent-demo-") as home:
        settings = demo_settings(Path(home), model_name)
        settings.ensure_home()
        service = await AgentService.create(settings)
        try:
            demo = Demo(service, settings, console)
            await (demo.play_admin() if role == "admin" else demo.play_employee())
            return demo.problems
        finally:
            await service.aclose()


class Demo:
    def __init__(self, service: AgentService, settings: Settings, console: Console) -> None:
        self.service = service
        self.settings = settings
        self.console = console
        self.renderer = Renderer(console, steps=True, usage=True, pause_hint=self._hint)
        self.problems: list[str] = []
        self._step = 0

    async def play_admin(self) -> None:
        admin = await self.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
        self._intro(admin, "the admin's five requests")
        for seed in ADMIN_PROMPTS[:-1]:
            await self._seed(admin, seed)
        await self._approval(admin)
        await self._seed(admin, ADMIN_PROMPTS[-1])  # closes 789 last: the others work on it
        self._closing()

    async def play_employee(self) -> None:
        employee = await self.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
        self._intro(employee, "the employee's four requests, on fresh data")
        for seed in EMPLOYEE_PROMPTS:
            await self._seed(employee, seed)
        await self._refusal(employee)
        self._closing()

    def _intro(self, who: Principal, act: str) -> None:
        self.console.print(Rule(f"act: {act}", align="left"))
        for label, value in banner(self.settings, who)[1:3]:
            self.console.print(f"  [dim]{label:<6}[/] {escape(value)}", highlight=False)
        self.console.print("  [dim]data  [/] a fresh temporary directory, removed afterwards")

    def _hint(self, paused: Paused) -> str:
        if paused.kind == "confirmation":
            return "Nothing has changed yet. The demo answers yes."
        return "Nothing has changed yet. Another admin must approve."

    async def _seed(self, who: Principal, seed: SeedPrompt) -> None:
        """The request, the person's replies while the agent asks for a detail, and "yes" to a confirm."""
        result = await self._request(who, seed.key, seed.text)
        replies = list(seed.replies)
        while result.asked and replies:
            result = await self._say(who, seed.key, replies.pop(0))
        if result.paused and result.paused.kind == "confirmation" and seed.confirm:
            result = await self._say(who, seed.key, "yes")
        if result.failed or not result.answered or result.asked or result.paused or replies:
            self.problems.append(f"{seed.key}: did not finish")

    async def _refusal(self, employee: Principal) -> None:
        result = await self._request(employee, "refused", REFUSED_REQUEST, note="someone else's ticket")
        if not result.refused:
            self.problems.append("the employee was not refused ticket 790")

    async def _approval(self, admin: Principal) -> None:
        result = await self._request(admin, "approval", APPROVAL_REQUEST, note="needs a second admin")
        paused = result.paused
        if paused is None or paused.kind != "approval":
            self.problems.append("raising a ticket to Critical did not ask for approval")
            return
        await self._self_approval(admin, paused.pending_id)
        approver = await self.service.resolve_principal("admin", agent_id=DEMO_SECOND_ADMIN_AGENT_ID)
        self.console.print(f"[bold]» {escape(approver.describe())} approves {escape(paused.pending_id)}[/]")
        outcome = await self.service.approve(paused.pending_id, approver)
        for event in outcome.events:
            self.renderer.event(event)
        self.renderer.end_turn()
        if outcome.status != "ok":
            self.problems.append(f"the approved change did not run ({outcome.status})")

    async def _self_approval(self, admin: Principal, pending_id: str) -> None:
        """The requester cannot approve their own request, whatever the model says."""
        try:
            outcome = await self.service.approve(pending_id, admin)
        except HaloAgentError as exc:
            reason = str(exc)
        else:
            if outcome.status == "ok":
                self.problems.append("the requester approved their own request")
                return
            reason = outcome.tool_message
        self.console.print(f"  [red]✗ {escape(admin.describe())} approving their own request: refused[/] "
                           f"[dim]({escape(_cut(reason))})[/]", highlight=False)

    async def _request(self, who: Principal, key: str, text: str, *, note: str = "") -> StepResult:
        self._step += 1
        title = f"{self._step} · {who.describe()}" + (f" · {note}" if note else "")
        self.console.print(Rule(escape(title), align="left", style="dim"))
        return await self._say(who, key, text)

    async def _say(self, who: Principal, key: str, text: str) -> StepResult:
        self.console.print(f"[bold]» {escape(text)}[/]", highlight=False)
        result = StepResult()
        self.renderer.begin_turn()
        async for event in self.service.handle(text, who, f"demo-{key}"):
            result.events.append(event)
            self.renderer.event(event)
        self.renderer.end_turn()
        return result

    def _closing(self) -> None:
        audit = self.service.audit
        self.console.print(Rule("audit trail (last 12 records)", align="left", style="dim"))
        self.console.print(audit_table(audit.tail(12), self.console.width))
        report = audit.verify()
        if report.ok:
            self.console.print(f"[green]✓ audit verify: {report.records} records, hash chain intact[/]")
        else:
            self.problems.append("audit verify: " + "; ".join(str(p) for p in report.problems))
        for problem in self.problems:
            self.console.print(f"[red]✗ {escape(problem)}[/]")


def _cut(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
