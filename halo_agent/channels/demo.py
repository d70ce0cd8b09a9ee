"""`halo-agent demo`: the seed requests, a refusal and an approval, played against a fresh sandbox.

Each step shows the request, the proposed call, the policy's decision, the change in Halo and the
answer; the audit trail and its verification close the show. Exit code 0 when every step went as the
policy says it should and the audit chain verifies.
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
    DEMO_ADMIN_AGENT_ID,
    DEMO_EMPLOYEE_EMAIL,
    DEMO_SECOND_ADMIN_AGENT_ID,
    SEED_PROMPTS,
)
from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.agent.service import AgentService

REFUSED_REQUEST = "What's the status of ticket 790?"
APPROVAL_REQUEST = "Raise the priority of ticket 789 to Critical."


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
    from halo_agent.agent.service import AgentService

    quiet_logging()
    with tempfile.TemporaryDirectory(prefix="halo-agent-demo-") as home:
        settings = demo_settings(Path(home), model_name)
        settings.ensure_home()
        service = await AgentService.create(settings)
        try:
            return await Demo(service, settings, console).play()
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

    async def play(self) -> int:
        admin = await self.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
        employee = await self.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
        self._intro(admin)
        for seed in SEED_PROMPTS:
            who = admin if seed.role == "admin" else employee
            await self._seed(who, seed.key, seed.text, answer_yes=seed.confirm)
        await self._refusal(employee)
        await self._approval(admin)
        return self._closing()

    def _intro(self, admin: Principal) -> None:
        self.console.print("[bold]halo-agent demo[/]: nine everyday requests, one refusal, one approval")
        for label, value in banner(self.settings, admin)[1:3]:
            self.console.print(f"  [dim]{label:<6}[/] {escape(value)}", highlight=False)
        self.console.print("  [dim]data  [/] a fresh temporary directory, removed afterwards")

    def _hint(self, paused: Paused) -> str:
        if paused.kind == "confirmation":
            return "Nothing has changed yet. The demo answers yes."
        return "Nothing has changed yet. Another admin must approve."

    async def _seed(self, who: Principal, key: str, text: str, *, answer_yes: bool) -> None:
        result = await self._request(who, key, text)
        if result.paused and result.paused.kind == "confirmation" and answer_yes:
            result = await self._say(who, key, "yes")
        if result.failed or not result.answered:
            self.problems.append(f"{key}: did not finish")

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

    def _closing(self) -> int:
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
        if not self.problems:
            self.console.print("[green]✓ every step went as the policy says[/]")
        return 1 if self.problems else 0


def _cut(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
