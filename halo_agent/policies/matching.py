"""How a rule's `when` conditions match a call's arguments.

A text condition matches an argument that equals it or contains it as a whole word, ignoring case and
surrounding space: `priority: Critical` matches "critical", "CRITICAL" and "P1 - Critical" (instances name
priorities differently), but not "Noncritical". A list matches when any of its items does. Numbers and
booleans match equal values (or their text). Every key must match; an absent argument never matches.
Matching errs on the side of the gate: a loose match asks for approval/confirmation, it never allows more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from halo_agent.policies.schema import Scalar


def condition_matches(when: Mapping[str, Scalar | list[Scalar]], args: Mapping[str, Any]) -> bool:
    for name, expected in when.items():
        if args.get(name) is None:
            return False
        options = expected if isinstance(expected, list) else [expected]
        if not any(value_matches(option, args[name]) for option in options):
            return False
    return True


def value_matches(expected: Scalar, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return _text(expected) == _text(actual)
    if isinstance(expected, int):
        return _text(expected) == _text(actual)
    wanted = _text(expected)
    given = _text(actual)
    return given == wanted or re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", given) is not None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split()).casefold()


def label(action: str) -> str:
    """A readable name for an action: haloitsm_add_note -> "add note"."""
    return action.removeprefix("haloitsm_").replace("_", " ")
