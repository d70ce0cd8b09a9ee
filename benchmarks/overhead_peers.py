"""The peers of bench_agent_overhead.py: the OpenAI Agents SDK and pydantic-ai on the benchmark's shape.

Each peer runs in two forms:
- "trivial tools": six plain `def` tools that return a small JSON string (both frameworks run a plain
  `def` tool in a worker thread). This is the comparison as first benchmarked.
- "same Halo work": `async def` tools that run our own tool handlers (the same registry handlers, a
  HaloClient on the same canned Halo replies) and return the same JSON tool message ours sends the
  model. The tool work is then the same on both sides, and what differs is the framework: ours adds
  sessions, argument canonicalisation, facts, policy and the audit log; theirs adds their runner.
Neither peer writes anything to disk.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from agents import Agent, ModelSettings, RunConfig, Runner, function_tool
from agents.items import ModelResponse as SdkResponse
from agents.models.interface import Model
from agents.usage import Usage as SdkUsage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText
from pydantic_ai import Agent as PydanticAgent
from pydantic_ai.messages import ModelMessage, TextPart, ToolCallPart
from pydantic_ai.messages import ModelResponse as PaiResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel

from halo_agent.halo.client import HaloClient
from halo_agent.principal import Principal
from halo_agent.tools.base import ToolContext
from halo_agent.tools.format import dumps
from halo_agent.tools.outcomes import ok_payload
from halo_agent.tools.registry import ToolRegistry, default_registry

MESSAGE = "Show ticket 789, then the open incidents of agent 6 and the VPN articles."
FINAL = "Ticket 789 is In Progress; agent 6 has open incidents; see the VPN article."
TURNS: list[list[tuple[str, dict[str, Any]]]] = [
    [("haloitsm_get_ticket", {"ticket_id": 789})],
    [("haloitsm_list_tickets", {"ticket_type": "Incident", "status": "open", "agent": 6}),
     ("haloitsm_search_kb", {"query": "vpn"})],
]
NAMES = {"haloitsm_get_ticket": "get_ticket", "haloitsm_list_tickets": "list_tickets",
         "haloitsm_search_kb": "search_kb"}
INSTRUCTIONS = "You help with Halo tickets."
Runner_ = Callable[[int], Coroutine[Any, Any, Any]]


class _Listening:
    outputs: list[str] | None = None  # what the tools returned, while `checked` listens


# --- trivial tools ---------------------------------------------------------------------------------------
def get_ticket(ticket_id: int) -> str:
    """Read a ticket."""
    return _ran(json.dumps({"id": ticket_id, "status": "In Progress"}))


def list_tickets(ticket_type: str, status: str, agent: int) -> str:
    """List tickets."""
    return _ran(json.dumps({"tickets": [{"id": 888, "status": status, "agent": agent}], "total": 1}))


def search_kb(query: str) -> str:
    """Search the knowledge base."""
    return _ran(json.dumps({"articles": [{"id": 6, "title": f"About {query}"}]}))


def add_note(ticket_id: int, note: str, hidden_from_user: bool) -> str:
    """Add a note."""
    return json.dumps({"ticket_id": ticket_id, "added": True})


def update_ticket(ticket_id: int, priority: str) -> str:
    """Update a ticket."""
    return json.dumps({"ticket_id": ticket_id, "changed": [priority]})


def resolve_ticket(ticket_id: int, note: str) -> str:
    """Resolve a ticket."""
    return json.dumps({"ticket_id": ticket_id, "closed": True})


TRIVIAL = [get_ticket, list_tickets, search_kb, add_note, update_ticket, resolve_ticket]


# --- the same Halo work: our handlers, as async tools --------------------------------------------------
class HaloWork:
    """Where the "same Halo work" tools run: a Halo client, the principal and our tool registry, set once
    by `bind`."""

    context: ToolContext | None = None
    registry: ToolRegistry | None = None

    @classmethod
    def bind(cls, client: HaloClient, principal: Principal) -> None:
        cls.context, cls.registry = ToolContext(client=client, principal=principal), default_registry()

    @classmethod
    async def run(cls, action: str, **arguments: Any) -> str:
        assert cls.context is not None and cls.registry is not None, "HaloWork.bind first"
        spec = cls.registry.get(action)
        assert spec is not None
        result = await spec.handler(cls.context, spec.args_model.model_validate(arguments))
        return _ran(dumps(ok_payload(result)))


async def halo_get_ticket(ticket_id: int) -> str:
    """Read a ticket."""
    return await HaloWork.run("haloitsm_get_ticket", ticket_id=ticket_id)


async def halo_list_tickets(ticket_type: str, status: str, agent: int) -> str:
    """List tickets."""
    return await HaloWork.run("haloitsm_list_tickets", ticket_type=ticket_type, status=status, agent=agent)


async def halo_search_kb(query: str) -> str:
    """Search the knowledge base."""
    return await HaloWork.run("haloitsm_search_kb", query=query)


async def halo_add_note(ticket_id: int, note: str, hidden_from_user: bool) -> str:
    """Add a note."""
    return await HaloWork.run("haloitsm_add_note", ticket_id=ticket_id, note=note,
                              hidden_from_user=hidden_from_user)  # fmt: skip


async def halo_update_ticket(ticket_id: int, priority: str) -> str:
    """Update a ticket."""
    return await HaloWork.run("haloitsm_update_ticket", ticket_id=ticket_id, priority=priority)


async def halo_resolve_ticket(ticket_id: int, note: str) -> str:
    """Resolve a ticket."""
    return await HaloWork.run("haloitsm_resolve_ticket", ticket_id=ticket_id, note=note)


HALO = [halo_get_ticket, halo_list_tickets, halo_search_kb, halo_add_note, halo_update_ticket,
        halo_resolve_ticket]  # fmt: skip


def _ran(output: str) -> str:
    if _Listening.outputs is not None:
        _Listening.outputs.append(output)
    return output


# --- the OpenAI Agents SDK -----------------------------------------------------------------------------
class SdkScriptedModel(Model):
    """The Agents SDK's `Model`, answering each round trip with the next scripted turn."""

    def __init__(self, prefix: str) -> None:
        self.turn = 0
        self.prefix = prefix  # the tools' names: "" or "halo_"

    async def get_response(self, *args: Any, **kwargs: Any) -> SdkResponse:
        turn, self.turn = self.turn, self.turn + 1
        output: list[Any]
        if turn < len(TURNS):
            output = [ResponseFunctionToolCall(id=f"fc_{turn}_{i}", call_id=f"call_{turn}_{i}",
                                               type="function_call", name=self.prefix + NAMES[name],
                                               arguments=json.dumps(args))
                      for i, (name, args) in enumerate(TURNS[turn])]  # fmt: skip
        else:
            output = [ResponseOutputMessage(
                id="msg_final", type="message", role="assistant", status="completed",
                content=[ResponseOutputText(type="output_text", text=FINAL, annotations=[])])]
        return SdkResponse(output=output, usage=SdkUsage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the benchmark does not stream")


def sdk_runner(tools: list[Callable[..., Any]], prefix: str) -> Runner_:
    wrapped = [function_tool(tool) for tool in tools]

    async def run(_: int) -> None:
        agent = Agent(name="service desk", instructions=INSTRUCTIONS, tools=list(wrapped),
                      model=SdkScriptedModel(prefix), model_settings=ModelSettings(parallel_tool_calls=True))
        result = await Runner.run(agent, MESSAGE, run_config=RunConfig(tracing_disabled=True))
        if result.final_output != FINAL:
            raise RuntimeError(f"the SDK run did not end with the scripted answer: {result.final_output!r}")

    return run


# --- pydantic-ai ---------------------------------------------------------------------------------------
def pydantic_ai_runner(tools: list[Callable[..., Any]], prefix: str) -> Runner_:
    def turn(messages: list[ModelMessage], info: AgentInfo) -> PaiResponse:
        """The next scripted turn, by how many model responses the run already holds."""
        index = sum(1 for message in messages if isinstance(message, PaiResponse))
        if index < len(TURNS):
            return PaiResponse(parts=[ToolCallPart(prefix + NAMES[name], args, tool_call_id=f"c{index}_{i}")
                                      for i, (name, args) in enumerate(TURNS[index])])  # fmt: skip
        return PaiResponse(parts=[TextPart(FINAL)])

    async def run(_: int) -> None:
        agent = PydanticAgent(FunctionModel(turn), instructions=INSTRUCTIONS, tools=tools)
        result = await agent.run(MESSAGE)
        if result.output != FINAL:
            raise RuntimeError(f"the pydantic-ai run did not end with the scripted answer: {result.output!r}")

    return run


def peers() -> dict[str, Runner_]:
    return {
        "OpenAI Agents SDK, trivial tools": sdk_runner(TRIVIAL, ""),
        "OpenAI Agents SDK, same Halo work (async tools)": sdk_runner(HALO, "halo_"),
        "pydantic-ai, trivial tools": pydantic_ai_runner(TRIVIAL, ""),
        "pydantic-ai, same Halo work (async tools)": pydantic_ai_runner(HALO, "halo_"),
    }


async def checked(runners: dict[str, Runner_]) -> None:
    """Each peer ran its three tools to a result (a call that failed validation would be cheaper work)."""
    for name, run in runners.items():
        _Listening.outputs = outputs = []
        try:
            await run(-1)
        finally:
            _Listening.outputs = None
        if len(outputs) != 3 or any('"status":"error"' in output for output in outputs):
            raise RuntimeError(f"{name}: the tools did not all run: {outputs}")
