"""Whether each constraint a person gave reached a call's arguments or was owned up to in an answer.

See `constraints.py` for what a constraint is. A value an answer merely repeats does not count: only a
sentence that says it could not be done or was not understood, offers something instead, or asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from halo_agent.evals.constraints import Constraint

_I = re.IGNORECASE

Call = tuple[str, dict[str, Any]]
_FREE_TEXT = frozenset({"note", "details", "summary", "query"})
_RESOLVE = "haloitsm_resolve_ticket"
_CREATE = "haloitsm_create_ticket"
# An answer sentence that owns up to something: cannot, did not understand, no such thing, or a question.
_OWNS_UP = re.compile(
    r"can't|cannot|can not|couldn't|could not|unable|not able|not possible|isn't possible|not supported|"
    r"don't (?:understand|know|support|have|do)|doesn't (?:support|exist|have)|"
    r"didn't (?:understand|catch|get)|not understood|not sure|no (?:such|matching|\w+ called|\w+ named)|"
    r"there (?:is|are) no|isn't (?:a|an|one|known)|not (?:a|an|one of|known|recogni[sz]ed)|unknown|ignored|"
    r"left out|instead|if you (?:like|want)|shall i|would you like|do you want|\?",
    _I,
)


def unmet(constraints: Iterable[Constraint], calls: list[Call], answers: list[str]) -> list[Constraint]:
    """The constraints neither used by a call nor named where an answer owns up to them."""
    sentences = [s for text in answers for s in re.split(r"(?<=[.!?])\s+|\n+", text) if _OWNS_UP.search(s)]
    return [c for c in constraints if not _used(c, calls) and not _named(c, sentences)]


def _used(constraint: Constraint, calls: list[Call]) -> bool:
    kind = constraint.kind
    if kind == "impossible":
        return False
    if kind in _SPECIAL:
        return any(_SPECIAL[kind](constraint, tool, args) for tool, args in calls)
    return any(
        _value_matches(value, arg)
        for _, args in calls
        for key, arg in args.items()
        if key not in _FREE_TEXT
        for value in constraint.values
    )


def _value_matches(value: str, arg: Any) -> bool:
    if isinstance(arg, bool) or arg is None:
        return False
    given = str(arg).strip().lower().lstrip("#").removeprefix("ticket ").strip()
    if given == value:
        return True
    if len(given) < 3 or len(value) < 3 or isinstance(arg, int):
        return False
    mine, theirs = set(re.findall(r"[\w'@.-]+", given)), set(re.findall(r"[\w'@.-]+", value))
    return mine <= theirs or theirs <= mine


def _note_used(constraint: Constraint, tool: str, args: dict[str, Any]) -> bool:
    return bool(str(args.get("note") or "").strip())


def _note_text_used(constraint: Constraint, tool: str, args: dict[str, Any]) -> bool:
    note = str(args.get("note") or "").lower()
    hits = sum(1 for word in constraint.values if word in note)
    return bool(note) and hits * 2 >= len(constraint.values)


def _visibility_used(constraint: Constraint, tool: str, args: dict[str, Any]) -> bool:
    if not str(args.get("note") or "").strip():
        return False
    hidden = bool(args.get("hidden_from_user")) and tool != _RESOLVE
    return hidden == (constraint.values == ("hidden",))


def _page_used(constraint: Constraint, tool: str, args: dict[str, Any]) -> bool:
    page = args.get("page")
    if not isinstance(page, int) or isinstance(page, bool):
        return False
    return page >= 2 if constraint.values == ("next",) else str(page) == constraint.values[0]


def _type_used(constraint: Constraint, tool: str, args: dict[str, Any]) -> bool:
    given = args.get("ticket_type")
    if given is None:
        return (tool == _CREATE and constraint.values == ("incident",)) or args.get("ticket_id") is not None
    return str(given).strip().lower() == constraint.values[0]


def _status_used(constraint: Constraint, tool: str, args: dict[str, Any]) -> bool:
    given = str(args.get("status") or "").strip().lower()
    if constraint.values == ("closed", "resolved"):
        return given in constraint.values
    if constraint.values == ("open",):
        return bool(given) and given not in ("closed", "resolved")
    return given == constraint.values[0]


_SPECIAL = {
    "note": _note_used,
    "note_text": _note_text_used,
    "visibility": _visibility_used,
    "page": _page_used,
    "type": _type_used,
    "status": _status_used,
}


def _named(constraint: Constraint, sentences: list[str]) -> bool:
    if constraint.kind in ("note", "note_text", "visibility"):
        probes = ["note", constraint.phrase.lower()]
    else:
        probes = [constraint.phrase.lower(), *(v for v in constraint.values if len(v) >= 3 or v.isdigit())]
    lowered = [s.lower() for s in sentences]
    return any(re.search(rf"(?<!\w){re.escape(p)}", s) for p in probes if p for s in lowered)
