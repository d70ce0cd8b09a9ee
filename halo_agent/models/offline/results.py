"""Reading tool results defensively: the step record and the shapes inside `result`/`untrusted_data`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    """A call the model made in this turn and the tool message it got back (parsed)."""

    name: str
    args: dict[str, Any]
    result: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.result.get("status", "ok"))

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def parse_tool_message(content: Any) -> dict[str, Any]:
    """The tool message as a dict; text that is not a JSON object is kept as an opaque result."""
    if isinstance(content, list):  # content parts
        content = "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    try:
        value = json.loads(str(content))
    except (TypeError, ValueError):
        return {"status": "ok", "result": {"text": str(content)}}
    return value if isinstance(value, dict) else {"status": "ok", "result": {"value": value}}


def json_object(raw: Any) -> dict[str, Any]:
    """Call arguments or a result as a dict (a copy): JSON text or a dict; anything else is empty."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    return dict(value) if isinstance(value, dict) else {}


def payload(result: dict[str, Any]) -> dict[str, Any]:
    for key in ("result", "untrusted_data", "data"):
        value = result.get(key)
        if isinstance(value, dict):
            return value
    return {}


def ticket_of(data: dict[str, Any]) -> dict[str, Any] | None:
    nested = data.get("ticket")
    if isinstance(nested, dict):
        return nested
    return data if "id" in data else None


def rows_of(data: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    """The rows under the first of `keys` present, else the first list of objects in the payload."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, list):
            return [row for row in value if isinstance(row, dict)]
    for value in data.values():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            return list(value)
    return []


def ticket_id_of(row: dict[str, Any]) -> int | None:
    try:
        return int(row["id"])
    except (KeyError, TypeError, ValueError):
        return None


def text_of(value: Any, limit: int = 300) -> str:
    """Halo text made safe to show: tags dropped, whitespace folded, length capped."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("text") or ""
    text = re.sub(r"<[^>]+>", " ", str(value or ""))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:  # end on a word, never mid-word
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:") + "…"


def first(row: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = row.get(key)
        if value not in (None, "", []):
            return value
    return None


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 open ticket", "3 open tickets": the noun agrees with the count."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def end(text: str) -> str:
    """A sentence's full stop, unless the text already ends in one (also inside closing quotes)."""
    return text if re.search(r"[.!?…][\"')\]]*$", text) else text + "."


_ADDRESSED_TO_AI = re.compile(
    r"\b(?:assistant|AI|chat\s*bot|bot|LLM|language\s+model)\b\s*[:,]"
    r"|\bNOTE\s+TO\s+(?:THE\s+)?(?:AI|ASSISTANT)\b"
    r"|\b(?:the|this|an?)\s+(?:AI\s+)?assistant\s+(?:must|should|shall|needs?\s+to|has\s+to|is\s+to|will)\b"
    r"|\bignore\s+(?:all\s+)?(?:previous|prior|above|earlier)\s+instructions\b|\bSYSTEM\s*(?:MESSAGE|OVERRIDE)\b"
    r"|\bsystem\s+prompt\b|\bclient[_ ]secret\b|\bapi\s+key\b|\bbearer\s+token\b"
    r"|\brepeat\s+(?:all\s+)?the\s+text\b|\byour\s+(?:instructions|rules)\b", re.IGNORECASE)
_WITHHELD = "[text addressed to the AI assistant left out; I did not act on it]"


def without_instructions(text: str) -> str:
    """Halo text with the sentences that address the assistant left out, so an answer never relays
    planted instructions (or their bait, such as asking for credentials). The rest is quoted as data."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = [part for part in sentences if not _ADDRESSED_TO_AI.search(part)]
    if len(kept) == len(sentences):
        return text
    return " ".join([*kept, _WITHHELD])
