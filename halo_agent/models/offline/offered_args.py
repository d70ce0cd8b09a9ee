"""Constraints the caller's own tools cannot carry: named back as not possible, never sent to be refused.

The tools the model is given are the caller's: an employee's create has no site, agent or team argument,
an employee's list shows only their own tickets. A request that names one ("open a ticket at Manchester
Office", "show open tickets for Tom Becker") is answered with what can't be done and an offer of the rest,
like any request understood in part (`coverage`); a "yes" to the offer acts without it.
"""

from __future__ import annotations

from typing import Any

from halo_agent.agent.model import ToolSchema
from halo_agent.models.offline.arguments import call_args, tool_slots
from halo_agent.models.offline.coverage import Unused
from halo_agent.models.offline.parse import Intent
from halo_agent.models.offline.tool_names import CREATE, LIST, NOTE, RESOLVE, UPDATE

Arguments = dict[str, frozenset[str]]  # tool name -> the arguments its schema offers
_TOOL_OF = {"create": CREATE, "list": LIST, "update": UPDATE, "note": NOTE, "resolve": RESOLVE}
_WHAT = {"user": "choose who a ticket is for"}
# Left to the policy, which refuses it by name: a hidden note (the refusal is the record of the attempt).
_POLICY_DECIDES = frozenset({"hidden_from_user"})


def tool_arguments(tools: list[ToolSchema]) -> Arguments:
    """Each offered tool's argument names, from its JSON schema."""
    found: Arguments = {}
    for tool in tools:
        function = tool.get("function", tool)
        properties = function.get("parameters", {}).get("properties", {})
        found[str(function.get("name") or "")] = frozenset(properties)
    return found


def unoffered(intent: Intent, arguments: Arguments) -> list[Unused]:
    """What the intent would send that the caller's tool does not take, as the person said it."""
    offered = _offered(intent, arguments)
    if offered is None:
        return []
    tool = _TOOL_OF[intent.kind]
    sent = call_args(tool, intent.slots)
    return [Unused(_phrase(arg, value), f"you can't {_WHAT.get(arg, f'set the {arg}')} with your access")
            for arg, value in sent.items() if arg not in offered and arg not in _POLICY_DECIDES]


def without_unoffered(intent: Intent, arguments: Arguments) -> Intent:
    """The intent without the slots its tool does not take (what a "yes" to the offer acts on)."""
    offered = _offered(intent, arguments)
    if offered is None:
        return intent
    kept = {key: value for key, value in intent.slots.items()
            if not (tool_slots(_TOOL_OF[intent.kind], key) - offered - _POLICY_DECIDES)}
    return Intent(intent.kind, intent.text, kept, intent.missing)


def _offered(intent: Intent, arguments: Arguments) -> frozenset[str] | None:
    tool = _TOOL_OF.get(intent.kind)
    return arguments.get(tool) if tool else None


def _phrase(arg: str, value: Any) -> str:
    return str(value)
