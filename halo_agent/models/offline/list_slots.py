"""The slots of a ticket list (type, status, mine, priority, words to search for), what a ticket is about
("close my email ticket" -> "email") and the key words of a knowledge-base question.
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.slots import AGENT, number, put
from halo_agent.models.offline.vocab import Vocabulary, find_name, match_name, priority_in

_I = re.IGNORECASE

_TOPIC_PATTERNS = (
    re.compile(r"\b(?:my|the|our|that)\s+((?:[\w-]+\s+){1,3}?)(?:ticket|incident|request|call|case|issue|problem)\b",
               _I),
    re.compile(r"\b(?:ticket|incident|request|case)\s+(?:about|for|regarding|on)\s+(?:my\s+|the\s+)?"
               r"([\w-]+)", _I),
    re.compile(r"\bmy\s+([\w-]+)\s+(?:is\s+|are\s+)?(?:works|working|fixed|sorted|back|ok|okay|fine)\b", _I),
    re.compile(r"(?:^|[.,;]\s*)(?:the\s+|our\s+|my\s+)?((?:[\w-]+\s+)?[\w-]+)\s+(?:is|are)\s+(?:now\s+)?"
               r"(?:fixed|working|sorted|back|"
               r"ok|okay|fine|resolved)\b", _I),
)
_NOT_TOPICS = frozenset({"open", "old", "last", "latest", "current", "support", "service", "new", "it",
                         "this", "that", "everything", "all", "thing", "problem", "issue", "s"})


def topic(text: str) -> str | None:
    """What a ticket is about, in the person's words: "close my email ticket" -> "email"."""
    for pattern in _TOPIC_PATTERNS:
        match = pattern.search(text)
        if match:
            words = [w for w in match.group(1).split() if w.lower() not in _NOT_TOPICS]
            if words:
                return " ".join(words)
    return None


_STOPWORDS = frozenset({
    "how", "do", "does", "did", "i", "we", "you", "can", "could", "should", "would", "to", "my", "the", "a",
    "an", "is", "are", "am", "in", "on", "for", "of", "with", "and", "or", "me", "please", "what", "where",
    "when", "which", "who", "why", "there", "any", "article", "articles", "kb", "knowledge", "base", "guide",
    "instructions", "steps", "find", "about", "it", "this", "that", "our", "your", "be", "get", "have", "has",
    "need", "want", "some", "help", "tell", "show", "from", "into", "up", "out", "set", "use", "using"})


_SEARCH_END = r"\s+(?:the\s+)?([\w' -]+?)(?:\s+(?:for|with|in|from|assigned|at|that|which)\b.*)?\s*[?.!]*$"
_SEARCH_WORDS = re.compile(
    r"\b(?:about|mentioning|matching|containing|regarding|related\s+to)" + _SEARCH_END, _I)
_SEARCH_FOR = re.compile(r"\bsearch\s+(?:tickets\s+)?for" + _SEARCH_END, _I)  # "search tickets for printer"


def list_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in sorted(vocab.types, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}s?\b", text, _I):
            found["ticket_type"] = name
            break
    put(found, "status", _list_status(text, vocab))
    put(found, "agent_id", number(AGENT, text))
    if re.search(r"\b(?:my|mine|assigned\s+to\s+me|i(?:'ve|\s+have)?\s+(?:raised|opened|logged|reported))\b",
                 text, _I):
        found["mine"] = True
    if re.search(r"\bpriority\b", text, _I):
        put(found, "priority", priority_in(text, vocab))
    search = _SEARCH_WORDS.search(text) or _SEARCH_FOR.search(text)
    if search:
        found["search"] = singular(search.group(1).strip())
    put(found, "site_name", place_named(text))
    return found


PLACE_WORDS = r"office|lab|store|plant|depot|warehouse|centre|center|workshop|wharf"
# "at leeds plant", "at the oxford lab site": a place by its kind of place, whatever the case (the tools
# check the name against Halo's sites, and name one they lack); "my office" is no site's name.
_PLACE = re.compile(rf"\b(?:at|in|from)\s+(?:the\s+)?(?!(?:my|our|your|the|this|that|home)\b)"
                    rf"([a-z][\w&'-]*\s+(?:{PLACE_WORDS}))\b", _I)


def place_named(text: str) -> str | None:
    match = _PLACE.search(text)
    return match.group(1) if match else None


def singular(phrase: str) -> str:
    """Halo searches for the phrase as one substring: "printers" would miss "Printer queue stuck"."""
    words = phrase.split()
    last = words[-1] if words else ""
    if len(last) > 4 and last.lower().endswith("s") and not last.lower().endswith(("ss", "us", "is")):
        words[-1] = last[:-1]
    return " ".join(words)


def _list_status(text: str, vocab: Vocabulary) -> str | None:
    """The status filter asked for; none named (or "open or closed", "in total") means every status."""
    if re.search(r"\bopen\s+or\s+closed\b|\bclosed\s+or\s+open\b|\b(?:in\s+)?total\b|\bany\s+status\b"
                 r"|\bregardless\b|\bevery\s+status\b|\ball\s+statuses\b", text, _I):
        return None
    named = re.search(r"\b(?:status|state)\s*(?:is|of|=|:)?\s*([\w -]+?)\s*[?.!]*$", text, _I)
    if named:
        hit = match_name(named.group(1), vocab.statuses)
        if hit:
            return hit
    if re.search(r"\b(?:closed|resolved|finished|completed)\b", text, _I):
        return "closed"
    known = find_name(text, tuple(s for s in vocab.statuses if s.lower() not in {"closed", "new"}))
    if known:
        return known
    if re.search(r"\b(?:open|still\s+open|outstanding|unresolved|active)\b", text, _I):
        return "open"
    return None


def kb_query(text: str) -> str:
    words = re.findall(r"[\w'-]+", text.lower())
    kept = [w for w in words if w not in _STOPWORDS and not w.isdigit()]
    return " ".join(kept[:6])
