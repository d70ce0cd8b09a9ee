"""The instance's names (priorities, teams, ticket types, statuses) as the offline model can learn them.

Sources, best first: the tools' JSON-schema enums and descriptions, then the system prompt (which lists
the instance's ticket types, statuses, priorities and teams), then common Halo defaults. Ids are never
used here: the tools resolve names to ids.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from typing import Any

from halo_agent.agent.model import Message, ToolSchema

DEFAULT_PRIORITIES = ("Critical", "High", "Medium", "Low")
DEFAULT_TYPES = ("Incident", "Service Request", "Problem", "Change Request")
DEFAULT_STATUSES = ("New", "In Progress", "Pending", "Resolved", "Closed")
DEFAULT_TEAMS = ("1st Line Support", "2nd Line Support")

# Which tool argument and which system-prompt heading each vocabulary comes from.
_ARGS = {"priorities": "priority", "teams": "team", "types": "ticket_type", "statuses": "status"}
_HEADINGS = {
    "priorities": r"priorit(?:y|ies)",
    "teams": r"teams?",
    "types": r"(?:ticket|request)\s+types?",
    "statuses": r"status(?:es)?",
}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th"}


@dataclass(frozen=True)
class Vocabulary:
    priorities: tuple[str, ...] = DEFAULT_PRIORITIES
    teams: tuple[str, ...] = DEFAULT_TEAMS
    types: tuple[str, ...] = DEFAULT_TYPES
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    me: int | None = None  # the caller's own agent id, when the system prompt gives it ("assign it to me")


def normalise(text: str) -> str:
    """Lower case, single spaces, ordinals as digits ("second line" -> "2nd line")."""
    words = re.sub(r"[^\w\s-]", " ", text.lower()).split()
    return " ".join(_ORDINALS.get(word, word) for word in words)


def build_vocabulary(messages: list[Message], tools: list[ToolSchema]) -> Vocabulary:
    system = " \n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    found: dict[str, tuple[str, ...]] = {}
    for kind, arg in _ARGS.items():
        names = _from_tools(tools, arg) or _from_prompt(system, _HEADINGS[kind])
        if names:
            found[kind] = names
    me = re.search(r"\bHalo agent id (\d+)\b", system)
    return Vocabulary(**found, me=int(me.group(1)) if me else None)


def _from_tools(tools: list[ToolSchema], arg: str) -> tuple[str, ...]:
    for tool in tools:
        props = tool.get("function", {}).get("parameters", {}).get("properties", {})
        spec: Any = props.get(arg)
        if isinstance(spec, dict):
            values = _enum_of(spec)
            if values:
                return values
    return ()


def _enum_of(spec: dict[str, Any]) -> tuple[str, ...]:
    """An enum directly, or inside anyOf (how pydantic writes an optional Literal)."""
    options = [spec, *spec.get("anyOf", [])]
    for option in options:
        values = option.get("enum") if isinstance(option, dict) else None
        if isinstance(values, list):
            return tuple(str(v) for v in values if v is not None and str(v))
    return ()


def _from_prompt(system: str, heading: str) -> tuple[str, ...]:
    """Names listed after a heading: "Priorities: Critical, High, Medium, Low" (one line)."""
    match = re.search(rf"(?im)^[\s*•-]*{heading}\s*[:=]\s*(.+)$", system)
    if not match:
        return ()
    parts = re.split(r"\s*[,;|]\s*", match.group(1).strip().rstrip("."))
    names = tuple(_clean(part) for part in parts if _clean(part))
    return () if names == ("unknown",) else names


def _clean(name: str) -> str:
    """Drop ids or notes a prompt may add: "High (id 2)" -> "High", "`Closed`" -> "Closed"."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).strip(" `'\"*").strip()


_FILLERS = frozenset({"the", "a", "an"})


def words_of(text: str, *, join_hyphens: bool = False) -> list[str]:
    """The text's words for matching names: lower case, ordinals as digits, fillers dropped; hyphenated
    words split ("on-hold") or joined ("re-opened" -> "reopened")."""
    text = text.replace("-", "" if join_hyphens else " ")
    return [w for w in normalise(text).split() if w not in _FILLERS]


_SAME = {"customer": "user", "requester": "user", "caller": "user", "enduser": "user", "me": "user"}


def same_word(typed: str, known: str) -> bool:
    """The same word, or a typo of it: one letter wrong, missing, extra or two swapped (words of 4+); the
    person a ticket is for goes by several words ("waiting on the customer", or the user's own "waiting on
    me", is "Waiting on User")."""
    if typed == known or _SAME.get(typed) == known:
        return True
    if min(len(typed), len(known)) < 4 or typed[0] != known[0] or typed.isdigit() or known.isdigit():
        return False
    if len(typed) == len(known) and sorted(typed) == sorted(known):
        return True
    return difflib.SequenceMatcher(None, typed, known).ratio() >= 0.8


def find_phrases(text: str, names: tuple[str, ...]) -> list[tuple[str, int]]:
    """Each known name said in the text, typos and fillers allowed ("waiting on the user", "on hlod",
    "reopen"), with the word position it starts at; the longest name wins where two overlap."""
    matcher = _matcher(names)
    hits: list[tuple[str, int, int]] = []
    for said in (words_of(text), words_of(text, join_hyphens=True)):
        for name, start, end in matcher.matches(said):
            if not any((s < end and start < e) or n == name for n, s, e in hits):
                hits.append((name, start, end))
    return [(name, start) for name, start, _ in sorted(hits, key=lambda hit: hit[1])]


class _Matcher:
    """One vocabulary's names, compiled once: every spoken form of each name (longest name first), and
    which of their words a typed word may be (typos allowed), remembered per typed word."""

    _MEMO_LIMIT = 4096  # typed words remembered; a long-running server sees endless new ones

    def __init__(self, names: tuple[str, ...]) -> None:
        ordered = sorted(names, key=lambda n: -len(words_of(n)))
        self.forms = tuple((name, tuple(form)) for name in ordered for form in _forms(name))
        self._by_first: dict[str, list[int]] = {}
        for index, (_, form) in enumerate(self.forms):
            self._by_first.setdefault(form[0], []).append(index)
        self._known = frozenset(word for _, form in self.forms for word in form)
        self._likes: dict[str, frozenset[str]] = {}

    def matches(self, said: list[str]) -> list[tuple[str, int, int]]:
        """(name, start, end) for every form said, in the order the longest-name-first rule needs."""
        likes = [self.known_like(word) for word in said]
        found: list[tuple[int, int, int]] = []
        for start, like in enumerate(likes):
            for index in (i for first in like for i in self._by_first.get(first, ())):
                form = self.forms[index][1]
                end = start + len(form)
                if end <= len(said) and all(k in likes[start + j] for j, k in enumerate(form)):
                    found.append((index, start, end))
        return [(self.forms[index][0], start, end) for index, start, end in sorted(found)]

    def known_like(self, typed: str) -> frozenset[str]:
        like = self._likes.get(typed)
        if like is None:
            if len(self._likes) >= self._MEMO_LIMIT:
                self._likes.clear()
            like = self._likes[typed] = frozenset(k for k in self._known if same_word(typed, k))
        return like


@functools.lru_cache(maxsize=64)
def _matcher(names: tuple[str, ...]) -> _Matcher:
    """Compiled once per vocabulary: the same names come with every turn of every conversation."""
    return _Matcher(names)


def _forms(name: str) -> list[list[str]]:
    """ "Re-opened": ["re", "opened"], ["reopened"]; "On Hold": ["on", "hold"], ["onhold"]."""
    split, joined = words_of(name), words_of(name, join_hyphens=True)
    forms = [split, joined, ["".join(joined)]] if split else []
    return [form for index, form in enumerate(forms) if form and form not in forms[:index]]


def find_name(text: str, names: tuple[str, ...]) -> str | None:
    """The longest known name mentioned in the text (whole words, ordinals normalised)."""
    hits = find_all_names(text, names)
    return max(hits, key=len) if hits else None


def find_all_names(text: str, names: tuple[str, ...]) -> list[str]:
    haystack = f" {normalise(text)} "
    return [name for name in names if normalise(name) and f" {normalise(name)} " in haystack]


def match_name(word: str, names: tuple[str, ...]) -> str | None:
    """A known name for a word the person typed: exact, then a name starting or ending with it."""
    wanted = normalise(word)
    if not wanted:
        return None
    for test in (
        lambda n: n == wanted,
        lambda n: n.startswith(wanted + " ") or n.endswith(" " + wanted),
        lambda n: f" {wanted} " in f" {n} ",
    ):
        hits = [name for name in names if test(normalise(name))]
        if len(hits) == 1:
            return hits[0]
    return None


def priority_in(text: str, vocab: Vocabulary) -> str | None:
    """The priority level named in the text; after "to" wins ("from Low to High" -> High)."""
    after_to = re.search(r"\bto\s+(?:an?\s+)?([\w-]+(?:\s+[\w-]+)?)", text, re.I)
    if after_to:
        for candidate in (after_to.group(1), after_to.group(1).split()[0]):
            hit = match_name(candidate, vocab.priorities)
            if hit:
                return hit
    hits = find_all_names(text, vocab.priorities)
    if hits:
        return hits[-1] if len(hits) > 1 else hits[0]
    return _priority_synonym(text, vocab)


_SYNONYMS = {"urgent": ("critical", "urgent", "high"), "asap": ("critical", "urgent", "high"),
             "p1": ("critical", "urgent"), "p2": ("high",), "p3": ("medium", "normal"), "p4": ("low",),
             "normal": ("medium", "normal")}


def _priority_synonym(text: str, vocab: Vocabulary) -> str | None:
    words = set(normalise(text).split())
    for word, targets in _SYNONYMS.items():
        if word in words:
            for target in targets:
                hit = match_name(target, vocab.priorities)
                if hit:
                    return hit
    return None
