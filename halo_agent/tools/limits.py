"""Hostile-argument limits, checked before anything recursive (JSON decoding aside) touches the arguments.

A model's arguments are untrusted input: they may be megabytes long, nested thousands deep, hold integers
with thousands of digits or lone UTF-16 surrogates that no encoder accepts. Each of these once crashed a
turn (and one froze a server while its traceback was logged), so they are refused here, up front, as an
error the model can correct. The walk is iterative: a deep value cannot exhaust the stack.

The per-field sizes the model sees live in the argument models (`tools/base.py`: `Name`, `Text`,
`HaloId`); these limits are the outer fence every tool inherits, whatever its model says.
"""

from __future__ import annotations

import json
import re
from typing import Any

from halo_agent.tools.base import ToolError

MAX_ARGUMENTS_CHARS = 32_000  # the raw JSON text; the longest field (a note) is 8,000 characters
MAX_DEPTH = 4  # tool arguments are flat objects; a list of scalars is depth 2
MAX_ITEMS = 200  # values in one object or list
MAX_INTEGER = 2**53  # beyond JSON's safe integers nothing is a Halo id or a page
MAX_AUDITED_ARGUMENTS = 500  # characters of refused raw text kept for the audit record
_SURROGATE_OR_NUL = re.compile("[\ud800-\udfff\x00]")


def parse_arguments(text: str) -> dict[str, Any]:
    """The arguments object, or a ToolError saying what is wrong with the text (never another error)."""
    if len(text) > MAX_ARGUMENTS_CHARS:
        raise ToolError(f"the arguments are {len(text):,} characters; the limit is {MAX_ARGUMENTS_CHARS:,}")
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise ToolError(f"the arguments are not valid JSON ({exc.msg} at character {exc.pos}); "
                        "send one JSON object of arguments") from None
    except RecursionError:
        raise ToolError(f"the arguments are nested too deeply (the limit is {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise ToolError(f"the arguments could not be read ({_short(str(exc))})") from None
    if not isinstance(value, dict):
        raise ToolError(f"the arguments are a JSON {type(value).__name__}, not a JSON object; "
                        "send one JSON object of arguments")
    check_value(value)
    return value


def check_value(value: object) -> None:
    """Depth, width, integer size and characters of a decoded JSON value, iteratively."""
    stack: list[tuple[object, int, str]] = [(value, 1, "arguments")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise ToolError(f"{where}: nested too deeply (the limit is {MAX_DEPTH} levels)")
            if len(item) > MAX_ITEMS:
                raise ToolError(f"{where}: {len(item)} values; the limit is {MAX_ITEMS}")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((v, depth + 1, _at(where, k)) for k, v in pairs)
            if isinstance(item, dict):
                stack.extend((k, depth, where) for k in item)  # keys are text too
        else:
            _check_scalar(item, where)


def _check_scalar(item: object, where: str) -> None:
    if isinstance(item, str) and _SURROGATE_OR_NUL.search(item):
        raise ToolError(f"{where}: contains a character that is not valid text (a lone surrogate or NUL)")
    if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INTEGER:
        raise ToolError(f"{where}: the number is too large")


def audited_text(text: str) -> str:
    """Refused raw arguments as the audit keeps them: cut short, with unencodable characters replaced."""
    cut = text[:MAX_AUDITED_ARGUMENTS] + (f"…[{len(text):,} characters]" if len(text) > MAX_AUDITED_ARGUMENTS
                                          else "")
    return _SURROGATE_OR_NUL.sub("\ufffd", cut)


def _at(where: str, key: object) -> str:
    return f"{where}.{key}" if where != "arguments" else str(key)[:60]


def _short(text: str) -> str:
    return text if len(text) <= 120 else text[:120] + "…"
