"""Directory lookups in the person's words: what kind of record, and the name to search for.

"Which team is Sam Turner in?" asks about an agent; "which client does the Manchester Office site belong
to?" about a site; "what equipment is registered to Emma Hart?" about assets; "the sites of Kestrel
Research" about the sites of a client (found first, then its sites by id).
"""

from __future__ import annotations

import re
from typing import Any

from halo_agent.models.offline.list_slots import PLACE_WORDS, place_named
from halo_agent.models.offline.people import plain_name
from halo_agent.models.offline.teams import team_names
from halo_agent.models.offline.vocab import Vocabulary

_I = re.IGNORECASE
ANY_KINDS = ("users", "agents", "clients", "sites")  # what a name may be, when the request doesn't say
_KIND_WORDS = (  # (kind, words that name it), most specific first
    ("assets", r"assets?|equipment|devices?|hardware|laptops?|kit|inventory"),
    ("sites", r"sites?|locations?|offices?|stores|labs|depots|warehouses|plants|branch(?:es)?"),
    ("clients", r"clients?|customers?|compan(?:y|ies)|organi[sz]ations?"),
    ("agents", r"agents?|technicians?|engineers?|analysts?"),
    ("teams", r"teams"),
    ("users", r"users?|people|person|employees?|phone|e-?mail\s+address|contact"),
)
_SEARCH_HAS = r"\b(?:does|do|has)\s+([A-Z][\w.@'-]*(?:\s+[A-Z][\w.@'-]*)*)\s+(?:have|got|use|own)\b"
_SEARCH = (  # where the name being looked up sits in the sentence
    r"^\W*(?:who(?:'s|\s+is)\s+|(?:look\s*up|find|search\s+for)\s+(?:the\s+)?"
    r"(?:(?:user|agent|person|employee|client|customer|site|asset)\s+)?)"
    r"(?!(?:the|a|an|all|our|every|any|users|agents|sites|clients|assets|people|teams|customers)\b)"
    r"([\w.@' -]+?)"
    r"(?:\s+in\s+the\s+directory)?\s*[?.!]*$",
    r"\b(?:named|called|matching|like|with\s+name)\s+[\"']?([\w.@' -]+?)[\"']?\s*[?.!]*$",
    r"\bwhich\s+team\s+is\s+(.+?)\s+(?:in|on|part\s+of)\b",
    r"\b(?:which|what)\s+(?:client|customer|company)\s+(?:is|does)\s+(?:the\s+)?(.+?)(?:\s+site)?\s+"
    r"(?:under|belong|part\s+of|in|with)\b",
    r"\b(?:which|what)\s+(?:site|office|location)\s+(?:is|does)\s+(.+?)\s+(?:at|in|based|work|on)\b",
    r"\bwhat\s+team\s+(?:does|is)\s+(.+?)\s+(?:belong|work|sit|in|on|part)\b",
    r"\b(?:the\s+)?([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s+site\b",
    r"\b(?:registered|assigned|issued|belonging|given)\s+to\s+([\w.@' -]+?)\s*[?.!]*$",
    r"\b(?:owned|used)\s+by\s+([\w.@' -]+?)\s*[?.!]*$",
    _SEARCH_HAS,
    r"\b([A-Z][\w-]+(?:\s+[A-Z][\w-]+)+)'s\b",
)
# "the sites of Kestrel Research": the owner may be a client (its id then filters the lookup)
_OWNER = r"\b(?:for|of|at|under)\s+([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s*[?.!]*$"


_SITE_FILTER = re.compile(r"\b(?:at|in|on|from)\s+(?:the\s+)?([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s+site\b"
                          r"|\b(?:at|in|from)\s+(?:the\s+)?(?:site\s+)?(?=[A-Z])((?:[A-Z][\w&'-]*\s+)*"
                          r"(?:Office|Lab|Store|Plant|Depot|Warehouse|Centre|Workshop))\b")
_HAS = r"\b(?:does|do|has)\s+([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)\s+(?:have|got|run|own|use)\b"
_OWNED = frozenset({"sites", "users"})  # kinds that belong to a client: "the sites Kestrel Research has"
# The same places in lower case: a name typed without capitals is still a name (the tools look it up in
# Halo's directory). Only a plain first-and-last name counts as a person ("emma hart", not "the user").
_WORDS = r"([a-z][\w&'-]*\s+[a-z][\w&'-]*(?:\s+[a-z][\w&'-]*)?)"
_LOWER_OWNER = rf"\b(?:for|of|under)\s+{_WORDS}\s*[?.!]*$"
_LOWER_HAS = rf"\b(?:does|do|has)\s+{_WORDS}\s+(?:have|got|run|own|use)\b"
_LOWER_PERSON = (r"\b([a-z][\w-]*\s+[a-z][\w-]*)'s\b", _LOWER_HAS.replace(_WORDS, r"([a-z]+\s+[a-z]+)"))
_MEMBERS = re.compile(r"\bwho(?:'s|\s+is|\s+are)\s+(?:in|on)\b|\bmembers?\b", _I)
_ASSET_TAG = re.compile(r"\b([a-z]{2,4}-\d{3,})\b", _I)


def lookup_slots(text: str, vocab: Vocabulary | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"kind": lookup_kind(text)}
    team = next(iter(team_names(text, vocab)), None) if vocab else None
    if team and (found["kind"] == "agents" or _MEMBERS.search(text)):  # "who's in the network team"
        return {"kind": "agents", "team": team}
    site = _SITE_FILTER.search(text)
    place = site.group(1) if site else place_named(text)
    if place and found["kind"] != "sites":  # "which users are at the Leeds Plant site"
        found["site"] = place
        return found
    number = re.search(r"\bsite\s*#?\s*(\d+)\b", text, _I)
    if number and found["kind"] != "sites":  # "users at site 18"
        return {**found, "site": int(number.group(1))}
    tag = _ASSET_TAG.search(text)
    if tag:  # "who has lap-0001": an asset by its tag
        return {"kind": "assets", "search": tag.group(1).upper()}
    for pattern in _SEARCH:
        if pattern == _SEARCH_HAS and found["kind"] in _OWNED:
            continue  # "which sites does Kestrel Research have": the owner, below
        named = re.search(pattern, text, 0 if "[A-Z]" in pattern else _I)
        if named:
            found["search"] = named.group(1).strip()
            if said_kind(text) is None:
                found["any_kind"] = True  # "look up kestrel research": a person first, then other records
            return found
    owner = re.search(_OWNER, text) or re.search(_HAS, text)
    if owner and found["kind"] != "clients":
        found["owner"] = owner.group(1).strip()
        return found
    return {**found, **_lower_case_name(text, found["kind"])}


def _lower_case_name(text: str, kind: str) -> dict[str, str]:
    """ "whats noah kaur's email", "what kit does emma hart have", "sites for kestrel research"."""
    for pattern in _LOWER_PERSON:
        person = re.search(pattern, text)
        if person and plain_name(person.group(1)) and kind not in _OWNED - {"users"}:
            return {"search": person.group(1)}
    owner = re.search(_LOWER_OWNER, text) or re.search(_LOWER_HAS, text)
    words = owner.group(1).split() if owner else []
    if owner and kind != "clients" and not any(w in _NOT_OWNERS for w in words):
        return {"owner": owner.group(1)}
    return {}


_NOT_OWNERS = frozenset({"the", "a", "an", "my", "our", "your", "this", "that", "all", "every", "each", "any",
                         "me", "us", "them", "him", "her", "it", "you", "team", "site", "user", "users"})


def lookup_kind(text: str) -> str:
    """What is being looked up: "which team is Sam in" asks about an agent, "which client does the X site
    belong to" about a site, "what equipment does Emma have" about assets; a person when it doesn't say."""
    return said_kind(text) or "users"


def said_kind(text: str) -> str | None:
    """The kind of record the request names or implies, if any."""
    if re.search(r"\b(?:which|what)\s+team\s+(?:is|does)\b", text, _I):
        return "agents"
    if re.search(r"\b(?:which|what)\s+(?:site|office|location)\s+(?:is|does)\b", text, _I):
        return "users"  # "which site is Emma Hart at": her record names her site
    owner = re.search(r"\b(?:which|what)\s+(?:client|customer|company)\s+(?:is|does)\s+(.+?)\s+"
                      r"(?:under|belong|part\s+of|in|with)\b", text, _I)
    if owner:  # "which client is leeds plant under": the site's (or the person's) record names its client
        return "sites" if re.search(rf"\b(?:{PLACE_WORDS}|site)\s*$", owner.group(1), _I) else "users"
    site = re.search(r"\b[A-Z][\w&'-]*\s+site\b", text)
    named = re.search(r"\b(?:users?|people|employees?|agents?|assets?|equipment|devices?)\b", text, _I)
    if site and not (named and named.start() < site.start()):
        return "sites"
    first: tuple[int, str] | None = None
    for kind, words in _KIND_WORDS:
        match = re.search(rf"\b(?:{words})\b", text, _I)
        if match and (first is None or match.start() < first[0]):
            first = (match.start(), kind)
    return first[1] if first else None
