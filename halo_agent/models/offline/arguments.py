"""Stage 5's one place for tool arguments: the intent's slots -> the arguments each tool takes.

People and places are slots `agent_id`/`agent_name`, `site_id`/`site_name`, `user_email`. The tools
resolve `agent`, `user` and `site` given by name, email or id in code, so names go straight through under
`ARG_NAMES`; with `TOOLS_RESOLVE_NAMES` off (tools that take ids only) the planner looks a name up first
(`needs_lookup`) and passes the id — one edit here, none in the planner.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.create_slots import summarise

TOOLS_RESOLVE_NAMES = True  # the tools resolve agent, user and site names in code (docs/contracts.md)
# slot -> tool argument: people and places are given by name, email or id.
ARG_NAMES = {"agent_id": "agent", "site_id": "site", "user_email": "user"}
_NAME_SLOTS = {"agent_name": "agent_id", "site_name": "site_id"}  # a name stands in for this id

_TOOL_SLOTS = {
    "haloitsm_create_ticket": (
        "summary", "details", "ticket_type", "priority", "site_id", "user_email", "team", "agent_id"),
    "haloitsm_list_tickets": (
        "ticket_type", "status", "agent_id", "team", "site_id", "user_email", "mine", "search", "priority",
        "page"),
    "haloitsm_update_ticket": ("ticket_id", "priority", "team", "agent_id", "status"),
    "haloitsm_add_note": ("ticket_id", "note", "hidden_from_user"),
    "haloitsm_resolve_ticket": ("ticket_id", "note", "status"),
    "haloitsm_get_ticket": ("ticket_id",),
}  # fmt: skip


def call_args(tool: str, slots: dict[str, Any]) -> dict[str, Any]:
    """The arguments for `tool` from the slots that carry a value, under the tool's own names."""
    values = dict(slots)
    if values.get("summary"):
        values["summary"] = headline(str(values["summary"]), str(values.get("details") or ""))
    if TOOLS_RESOLVE_NAMES:
        for name, id_slot in _NAME_SLOTS.items():
            if values.get(id_slot) is None and values.get(name):
                values[id_slot] = values[name]
    return {ARG_NAMES.get(key, key): values[key] for key in _TOOL_SLOTS[tool] if values.get(key) is not None}


def tool_slots(tool: str, slot: str) -> frozenset[str]:
    """The argument of `tool` a slot becomes (empty when the tool takes no such slot)."""
    if slot not in _TOOL_SLOTS.get(tool, ()) and _NAME_SLOTS.get(slot) not in _TOOL_SLOTS.get(tool, ()):
        return frozenset()
    return frozenset({ARG_NAMES.get(_NAME_SLOTS.get(slot, slot), _NAME_SLOTS.get(slot, slot))})


def slots_from_args(args: dict[str, Any]) -> dict[str, Any]:
    """A call's arguments back as slots ("next page" repeats the previous list with another page)."""
    names = {arg: slot for slot, arg in ARG_NAMES.items()}
    return {names.get(key, key): value for key, value in args.items()}


def needs_lookup(slots: dict[str, Any]) -> tuple[str, str, str] | None:
    """(lookup kind, name, id slot) for a person or place given by name that must become an id first."""
    if TOOLS_RESOLVE_NAMES:
        return None
    for name_slot, id_slot in _NAME_SLOTS.items():
        name = slots.get(name_slot)
        if name and slots.get(id_slot) is None:
            return ("agents" if name_slot == "agent_name" else "sites"), str(name), id_slot
    return None


_I = re.IGNORECASE
_GREETING = re.compile(
    r"^(?:\s*(?:(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening)|dear)\b"
    r"(?:\s+(?:there|all|team|everyone|folks|guys|it|support|service\s*desk|help\s*desk)){0,2}"
    r"|(?:i\s+)?hope\s+(?:you(?:'re|\s+are)\s+(?:well|ok|okay|good)|all\s+is\s+well))(?:[\s,!.:;—–-]+|$))+",
    _I)
_SIGN_OFF = re.compile(
    r"[\s,;.!—–-]*\b(?:(?:many\s+)?thanks(?:\s+a\s+lot)?|thank\s+you(?:\s+(?:so|very)\s+much)?|thx|ta|cheers"
    r"|(?:kind\s+|best\s+)?regards|much\s+appreciated|appreciate\s+it)(?:\s+(?:in\s+advance|again))?"
    r"(?:[\s,]+(?-i:[A-Z][a-z]+))?[\s.!]*$", _I)


def headline(summary: str, details: str) -> str:
    """A ticket's summary without the greeting or sign-off the person wrapped their words in ("Hi, …",
    "… thanks!"); when nothing else was in its sentence, the first sentence of the rest of the details."""
    kept = _plain_words(summary)
    if not kept and details:
        kept = summarise(_plain_words(details))
    return kept[:1].upper() + kept[1:] if kept else summary


def _plain_words(text: str) -> str:
    return _SIGN_OFF.sub("", _GREETING.sub("", text)).strip()
