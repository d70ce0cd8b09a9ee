"""Slot extraction for the offline model: ticket ids, priorities, teams, note text, descriptions.

Each function reads only the person's own words and returns plain values; unknown names are passed
through as typed (the tools resolve names and answer with choices when a name is unknown).
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.people import find_people
from halo_agent.models.offline.vocab import Vocabulary, find_name, match_name, priority_in

_I = re.IGNORECASE
_TICKET_ID = re.compile(
    r"(?:\b(?:ticket|incident|request|call|case|issue|number|no\.?)\s*(?:number\s*|no\.?\s*|id\s*)?#?\s*|#\s*)"
    r"(\d{1,9})\b", _I)
_OTHER_NUMBERS = re.compile(r"\b(?:site|agent|page|team|client|user)\s*(?:id\s*)?#?\s*\d+\b"
                            r"|\b(?:priority|p)\s*[1-9]\b(?!\d)", _I)
_BARE_NUMBER = re.compile(r"(?<![\w.,:/-])(\d{2,9})(?![\w.,:/-]\w)")
_SITE = re.compile(r"\bsite\s*(?:id\s*|number\s*|no\.?\s*)?#?\s*(\d+)\b", _I)
_AGENT = re.compile(r"\bagent\s*(?:id\s*|number\s*|no\.?\s*)?#?\s*(\d+)\b", _I)
_QUOTED = re.compile(r"[\"“”']([^\"“”]{3,})[\"“”']")
_HIDDEN = re.compile(r"\b(?:hidden|internal|private|agent[- ]only|staff[- ]only|not\s+visible|invisible)\b",
                     _I)
_VISIBLE = re.compile(r"\b(?:visible|public|customer[- ]facing"
                      r"|(?:the\s+)?(?:user|customer|requester)\s+can\s+see)\b", _I)


def ticket_id(text: str) -> int | None:
    """"ticket 789", "#789", "incident no. 789"; else a bare number that is not a site, agent, ..."""
    match = _TICKET_ID.search(text)
    if match:
        return int(match.group(1))
    bare = _BARE_NUMBER.search(_OTHER_NUMBERS.sub(" ", text))
    return int(bare.group(1)) if bare else None


def _int(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(match.group(1)) if match else None


def sentence(text: str) -> str:
    """Tidy a fragment into a sentence: trimmed, capitalised, ending with a full stop."""
    text = re.sub(r"\s+([.,;!?])", r"\1", re.sub(r"\s+", " ", text)).strip(" \t\n,;:-–—")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


# --- create --------------------------------------------------------------------------------------------

_CREATE_COMMAND = re.compile(
    r"\b(?:(?:please|kindly)\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
    r"(?:create|open|raise|log|submit|file|start|make)\s+(?:me\s+|up\s+)?(?:a|an|one)?\s*(?:new\s+)?"
    r"(?P<adjectives>(?:[\w-]+[- ]priority\s+"
    r"|(?!(?:incident|ticket|service|request|call|case|problem|change)\b)[\w-]+\s+){0,2})"
    r"(?:incident|ticket|service\s+request|request|call|case|problem(?:\s+ticket)?|change(?:\s+request)?"
    r"(?=\s*(?:for|to|:|-|,|at|on))|sr\b|p[1-4]\b)"
    r"(?:\s+for\s+(?:me|us))?(?:\s+please)?\b(?:\s*\?)?", _I)
# "..., I need a ticket opened": the request to open one, said after the problem.
_NEED_TICKET = re.compile(
    r"[,;]?\s*(?:so\s+|and\s+)?(?:(?:i|we)\s+(?:need|want|would\s+like|'d\s+like)\s+(?:you\s+to\s+open\s+)?"
    r"|(?:can|could|may)\s+(?:i|we|you)\s+(?:please\s+)?(?:get|have)\s+)"
    r"(?:a|an)\s+(?:new\s+)?(?:ticket|incident|service\s+request|request)"
    r"(?:\s+(?:opened|raised|logged|created|for\s+(?:it|this|that)))?(?:\s+please)?\s*\??"
    r"|[,;]?\s*(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:log|raise|report)\s+(?:it|this|that)"
    r"(?:\s+(?:for\s+me|please))*\s*\??\s*$", _I)
_NEW_TICKET = re.compile(r"\bnew\s+(?:[\w-]+\s+)?(?:incident|ticket|service\s+request|problem|change)\b", _I)
# A site given by name: "site Leeds Plant", "the Leeds Plant site", "at Head Office".
_SITE_NAME = re.compile(
    r"\b(?:(?:for|at|on|from)\s+)?(?:the\s+)?(?:site\s*(?:is|=|:)?\s*(?:[A-Z][\w&'-]*\s*)+"
    r"|(?:[A-Z][\w&'-]*\s+)+site\b"
    r"|(?:[A-Z][\w&'-]*\s+)+(?:Office|Lab|Store|Plant|Depot|Warehouse|Centre|Workshop)\b)")
_SLOT_PHRASES = (
    re.compile(r"\b(?:for|at|on)\s+site\s*(?:id\s*)?#?\s*\d+\b", _I),
    _SITE,
    _SITE_NAME,
    re.compile(r"\b(?:with\s+|at\s+|as\s+)?(?:a\s+)?priority\s*(?:is|of|to|:|=|should\s+be)?\s*[\w-]+\b", _I),
    re.compile(r"\b(?:with\s+|at\s+|as\s+)?(?:a\s+)?[\w-]+\s+priority\b", _I),
    re.compile(r"\b(?:and\s+)?(?:please\s+)?(?:re-?assign|assign|route|send|give)\s+(?:it\s+|this\s+)?to\s+"
               r"(?:the\s+)?[^.,;:]+", _I),
    re.compile(r"\b(?:as\s+an?\s+)?(?:incident|service\s+request)\s+type\b", _I),
    re.compile(r"\bfor\s+(?:me|us)\b", _I),
    re.compile(r"\bp[1-4]\b", _I),
    re.compile(r"\b(?:[Aa]nd\s+)?(?:[Ff]or\s+|[Tt]o\s+)?(?:the\s+)?[Tt]eam\s*(?:is|:|=)?\s*(?=[A-Z0-9])[^.,;:]+"),
)
_LEAD_IN = re.compile(
    r"^(?:\s*(?:about|regarding|re|because|since|that|for|saying|:|-|–|—|,|\.|and|to\s+say)\s*)+", _I)


def create_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    kind = _ticket_type(text, vocab)
    if kind:
        found["ticket_type"] = kind
    priority = _explicit_priority(text, vocab) or _adjective_priority(text, vocab)
    if priority:
        found["priority"] = priority
    _put(found, "site_id", _int(_SITE, text))
    _put(found, "agent_id", _int(_AGENT, text))
    team = _assigned_team(text, vocab) or named_team(text, vocab)
    if team:
        found["team"] = team
    details = describe_problem(text, vocab)
    if details:
        found["details"] = details
        found["summary"] = summarise(details)
    return found


def _put(found: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        found[key] = value


def _ticket_type(text: str, vocab: Vocabulary) -> str | None:
    head = _CREATE_COMMAND.search(text) or _NEW_TICKET.search(text)
    command = head.group(0) if head else text
    for name in sorted(vocab.types, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}s?\b", command, _I):
            return name
    return None


def _explicit_priority(text: str, vocab: Vocabulary) -> str | None:
    """Only a priority the person named as such: "priority High", "high priority", "P1"."""
    for match in re.finditer(r"\bpriority\s*(?:is|of|to|:|=|should\s+be)?\s*([\w-]+)|\b([\w-]+)[- ]priority\b"
                             r"|\b(p[1-4])\b", text, _I):
        word = next(group for group in match.groups() if group)
        hit = match_name(word, vocab.priorities) or priority_in(word, vocab)
        if hit:
            return hit
    return unknown_priority(text, vocab)


_NOT_PRIORITY_WORDS = frozenset({
    "of", "on", "for", "ticket", "to", "the", "a", "an", "and", "level", "is", "be", "should", "it", "this",
    "that", "priority", "please", "too", "as", "now"})


def unknown_priority(text: str, vocab: Vocabulary) -> str | None:
    """A priority the person named that this instance doesn't have ("priority Urgent"), passed on as
    typed so the tool answers with the real choices instead of us guessing a level."""
    match = re.search(r"\bpriority\s*(?:is|:|=|to|should\s+be)?\s*([A-Za-z][\w-]*)\s*[.!]*$"
                      r"|\bpriority\s*(?:is|:|=|to|should\s+be)?\s*([A-Za-z][\w-]*)\s*[,;]", text, _I)
    word = next((g for g in match.groups() if g), "") if match else ""
    if not word or word.lower() in _NOT_PRIORITY_WORDS or match_name(word, vocab.priorities):
        return None
    return word


def _adjective_priority(text: str, vocab: Vocabulary) -> str | None:
    """ "Open a Critical ticket": a priority level used as the ticket's adjective (names only)."""
    head = _CREATE_COMMAND.search(text)
    words = head.group("adjectives").split() if head else []
    return next((hit for word in words if (hit := match_name(word, vocab.priorities))), None)


def named_team(text: str, vocab: Vocabulary) -> str | None:
    """ "team 1st Line Support" / "team: Network": a team given as a field, known name or as typed."""
    match = re.search(r"\b[Tt]eam\s*(?:is|:|=)?\s*(?=[A-Z0-9])([^.,;:]+)", text)
    if not match:
        owner = re.search(r"\b(?:for|to)\s+the\s+([\w -]+?)\s+(?:team|queue)\b", text, _I)
        return find_name(owner.group(1), vocab.teams) if owner else None
    value = match.group(1).strip()
    known = find_name(value, vocab.teams) or match_name(value, vocab.teams)
    return known or (value if value[:1].isupper() else None)


def _assigned_team(text: str, vocab: Vocabulary) -> str | None:
    match = re.search(r"\b(?:re-?assign|assign|route|send|give|transfer|escalate|move|pass)\b.*?"
                      r"\bto\s+(?:the\s+)?([^.,;:]+)", text, _I)
    if not match:
        return None
    target = match.group(1)
    bare = re.sub(r"\s+(?:team|group|queue)$", "", target.strip(), flags=_I)
    known = find_name(target, vocab.teams) or match_name(bare, vocab.teams)
    if known:
        return known
    team = re.match(r"(.+?)\s+(?:team|group|queue)\b", target, _I)
    return team.group(1).strip() if team else None


_REQUESTER = re.compile(
    r"\b(?:for|on\s+behalf\s+of|requester|user)\s*:?\s*[\w.+-]+@[\w.-]+\w|[\w.+-]+@[\w.-]+\w", _I)


def describe_problem(text: str, vocab: Vocabulary | None = None) -> str:
    """The person's description with the command, the people and the slot phrases taken out."""
    rest = _without_people(text, vocab) if vocab else text
    rest = _BARE_KIND.sub(" ", _CREATE_COMMAND.sub(" ", rest))
    rest = _REQUESTER.sub(" ", rest)  # the requester is a field, not part of the problem
    rest = rest.replace('"', " ")
    rest = _NEW_TICKET.sub(" ", rest)
    rest = _NEED_TICKET.sub(" ", rest)
    for pattern in _SLOT_PHRASES:
        rest = pattern.sub(" ", rest)
    parts = [_LEAD_IN.sub("", part).strip() for part in re.split(r"(?<=[.!?])\s+|\n+|\s*;\s*", rest)]
    kept = [sentence(part) for part in parts if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2
            and not _only_fields(part, vocab)]
    return " ".join(kept)


def _only_fields(part: str, vocab: Vocabulary | None) -> bool:
    """ "Medium please", "high prio": a clause that only gives a field, not part of the problem."""
    known = {w.lower() for w in (vocab.priorities if vocab else ())} | _FIELD_FILLERS
    return all(word in known for word in re.findall(r"[a-z0-9']+", part.lower()))


_FIELD_FILLERS = frozenset({"please", "pls", "thanks", "priority", "prio", "then", "it", "is", "make", "as"})
_BARE_KIND = re.compile(r"^\W*(?:an?\s+)?(?:new\s+)?"
                        r"(?:incident|ticket|service\s+request|problem|change|p[1-4])\b"
                        r"[\s,:-]*(?=\S)", _I)


def _without_people(text: str, vocab: Vocabulary) -> str:
    """ "for Emma Hart", "Emma Hart needs a ticket", "for Nina to pick up": fields, not the problem."""
    for person in find_people(text, vocab):
        name = re.escape(person.name)
        text = re.sub(
            rf"\b(?:for|on\s+behalf\s+of|raised\s+by|reported\s+by|requester)\s+{name}"
            rf"(?:\s+to\s+(?:pick\s+up|take|look\s+at|handle|work\s+on|deal\s+with))?"
            rf"|\b{name}\s+(?:needs|wants)\s+(?:a|an)\s+(?:new\s+)?(?:ticket|incident|service\s+request)\b",
            " ", text)
    return text


_VAGUE_WORDS = frozenset({
    "something", "anything", "everything", "it", "its", "is", "isn't", "are", "aren't", "was", "has", "have",
    "broken", "broke", "problem", "problems", "issue", "issues", "wrong", "working", "work", "works", "not",
    "doesn't", "don't", "won't", "can't", "help", "need", "there", "a", "an", "the", "my", "i", "with",
    "please", "some", "stuff", "thing", "things", "again", "up", "down", "me", "we", "urgent", "urgently",
    "quickly"})


def is_vague(details: str) -> bool:
    """True when a description names no thing that is wrong ("Something is broken")."""
    words = re.findall(r"[a-z']+", details.lower())
    return not [word for word in words if word not in _VAGUE_WORDS]


def summarise(details: str, limit: int = 80) -> str:
    """The first sentence, without its full stop, cut at a word boundary."""
    first = re.split(r"(?<=[.!?])\s", details, maxsplit=1)[0].rstrip(".!? ")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# --- notes, updates, closing -------------------------------------------------------------------------

_NOTE_TEXT = re.compile(r"(?:saying|stating|that\s+(?:says|reads)|which\s+says|reading|with\s+(?:the\s+)?text"
                        r"|to\s+say|with\s+the\s+note)\s+(.+)$", _I | re.S)


# "let the user on 790 know the gateway was patched", "tell the requester of 790 that ..."
_TOLD = re.compile(r"\b(?:let\s+the\s+\w+(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?\s+know"
                   r"|tell\s+(?:the\s+)?(?:user|requester|customer|caller|it|desk|service\s+desk|support|them|him|her)"
                   r"(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?(?:\s+that|\s+to(?=\s+\w+\s+\w+)|(?=\s+(?:the|their|"
                   r"his|her|we|it|they|your)\b)))\s+(?:that\s+)?(.{6,})$", _I | re.S)


def note_slots(text: str) -> dict[str, Any]:
    note, command = note_text(text)
    found: dict[str, Any] = {}
    if note:
        found["note"] = note
    if _HIDDEN.search(command):
        found["hidden_from_user"] = True
    elif _VISIBLE.search(command):
        found["hidden_from_user"] = False
    return found


def note_text(text: str) -> tuple[str, str]:
    """(the note, the command around it). Text after a colon, quoted text, or "saying …"."""
    if ":" in text:
        command, _, body = text.partition(":")
        if body.strip():
            return sentence(unquote(body)), command
    quoted = _QUOTED.search(text)
    if quoted:
        return sentence(quoted.group(1)), text.replace(quoted.group(0), " ")
    said = _NOTE_TEXT.search(text)
    if said:
        return sentence(said.group(1)), text[: said.start()]
    told = _TOLD.search(text)
    if told:
        return sentence(told.group(1)), text[: told.start(1)]  # the command keeps "tell the user"
    after_id = re.search(r"#?\d+\s*(?:,|-|–|—)?\s*(?:that\s+)?(.{8,})$", text)
    if after_id and re.search(r"\b(?:note|comment)\b", text[: after_id.start()], _I):
        return sentence(after_id.group(1)), text[: after_id.start()]
    return "", text


def unquote(text: str) -> str:
    """ '"Tried rebooting twice, same error"' -> the words inside the quotes."""
    stripped = text.strip()
    if len(stripped) > 2 and stripped[0] == stripped[-1] == '"' and '"' not in stripped[1:-1]:
        return stripped[1:-1]
    return text


def update_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    _put(found, "priority", unknown_priority(text, vocab) or priority_in(text, vocab))
    status = re.search(r"\b(?:status\b.*?\bto|as|to|into|on)\s+(?:the\s+)?([\w -]+?)"
                       r"(?:\s+(?:status|state|please|for\s+now))?\s*[.!]*$", text, _I)
    if status and "priority" not in found:
        _put(found, "status", match_name(status.group(1), vocab.statuses))
    _put(found, "agent_id", _int(_AGENT, text))
    if "agent_id" not in found:
        team = _assigned_team(text, vocab) or find_name(text, vocab.teams)
        _put(found, "team", team)
        person = _assigned_person(text)
        if team is None and person and not match_name(person, vocab.statuses):
            found["agent_name"] = person
    return found


def _assigned_person(text: str) -> str | None:
    match = re.search(r"\b(?:re-?assign|assign|give|hand|transfer|pass)\b.*?"
                      r"\bto\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)", text)
    if not match or match.group(1).lower() in {"me", "myself", "him", "her", "them"}:
        return None
    return match.group(1)


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


# --- lists, KB, lookups --------------------------------------------------------------------------------

_STOPWORDS = frozenset({
    "how", "do", "does", "did", "i", "we", "you", "can", "could", "should", "would", "to", "my", "the", "a",
    "an", "is", "are", "am", "in", "on", "for", "of", "with", "and", "or", "me", "please", "what", "where",
    "when", "which", "who", "why", "there", "any", "article", "articles", "kb", "knowledge", "base", "guide",
    "instructions", "steps", "find", "about", "it", "this", "that", "our", "your", "be", "get", "have", "has",
    "need", "want", "some", "help", "tell", "show", "from", "into", "up", "out", "set", "use", "using"})


def list_slots(text: str, vocab: Vocabulary) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in sorted(vocab.types, key=len, reverse=True):
        if re.search(rf"\b{re.escape(name)}s?\b", text, _I):
            found["ticket_type"] = name
            break
    _put(found, "status", _list_status(text, vocab))
    _put(found, "agent_id", _int(_AGENT, text))
    _put(found, "team", find_name(text, vocab.teams))
    if re.search(r"\b(?:my|mine|assigned\s+to\s+me|i\s+(?:raised|opened|logged|reported))\b", text, _I):
        found["mine"] = True
    if re.search(r"\bpriority\b", text, _I):
        _put(found, "priority", priority_in(text, vocab))
    search = re.search(r"\b(?:about|mentioning|matching|containing|regarding|related\s+to)\s+(?:the\s+)?"
                       r"([\w' -]+?)\s*[?.!]*$", text, _I)
    if search:
        found["search"] = singular(search.group(1).strip())
    return found


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
