"""Stage 3 of the offline pipeline: what the person wants done (the intent), from their words and entities.

A small table of trigger rules gives the intent whose trigger starts earliest (table order breaks ties), so
"Create an incident: Outlook won't close" is a create and "It's working again, close my email ticket" a
close. Then the entities refine it: a request that names one ticket and a new value for one of its fields
("792 prio low", "can Grace take 791?", "797 is waiting on the user now") is a change, not a question about
the ticket, unless it is asked as a question ("is 792 on hold?").
"""

from __future__ import annotations

import re

from halo_agent.models.offline.entities import Entities
from halo_agent.models.offline.normalise import normalise_request
from halo_agent.models.offline.slots import listed_tickets, ticket_id

_I = re.IGNORECASE
_TICKET_WORD = r"(?:ticket|incident|request|call|case|issue)"
_NEW_TICKET_WORD = (r"(?:incident|ticket|service\s+request|request|call|case|problem"
                    r"|change(?!\s+(?:to|of|the))|sr|p[1-4])")

# (intent, trigger). Greetings and thanks must be the whole message.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, _I))
    for kind, pattern in (
        ("greeting", r"^\W*(?:hi|hello|hey|hiya|howdy|good\s+(?:morning|afternoon|evening))"
                     r"(?:\s+there)?\W*$"),
        ("thanks", r"^\W*(?:(?:great|perfect|ok|okay|awesome),?\s+)?(?:thanks|thank\s+you|thx|cheers|ta)"
                   r"(?:\s+(?:a\s+lot|very\s+much|so\s+much))?(?:\W+(?:bye|goodbye|see\s+you|cheers))?\W*$"),
        ("help", r"^\W*(?:help|what\s+can\s+you\s+do|what\s+do\s+you\s+understand)\W*$"),
        ("create", r"\b(?:create|open|raise|log|submit|file|start|make|put\s+in|book)\s+(?:me\s+|up\s+)?"
                   r"(?:a|an|one)\s+"
                   rf"(?:new\s+)?(?:[\w-]+\s+){{0,2}}?{_NEW_TICKET_WORD}\b"),
        ("create", rf"\b(?:create|raise|log|submit|file)\s+(?:new\s+)?{_NEW_TICKET_WORD}\b(?!\s*#?\d)"),
        ("create", r"\b(?:log|raise|report|open)\s+(?:it|this|that)"
                   r"(?:\s+(?:for\s+me|as\s+a\s+ticket|please))*\s*[?.!]*$"
                   r"|\b(?:log|raise)\s+(?:it|this|that)\b(?!\s+(?:to|with|on|in)\b)"
                   r"|\breport\s+(?:a|an)\s+(?:problem|issue|fault)\b"),
        ("create", r"\b\w+(?:\s+\w+)?\s+(?:needs|wants)\s+(?:a|an)\s+(?:new\s+)?"
                   r"(?:ticket|incident|service\s+request)\b"
                   r"(?!\s+(?:closed|updated|looked))"),
        ("create", r"^\W*(?:an?\s+)?(?:new\s+)?(?:(?:p[1-4]|critical|high|medium|low|urgent)\s+)?"
                   r"(?:incident|ticket|service\s+request|problem|change|p[1-4])\s+"
                   r"(?:for|on\s+behalf\s+of|at|please|pls)\b(?!\s+(?:agent|team|site)\b)"),
        ("create", r"\bnew\s+(?:[\w-]+\s+)?(?:incident|ticket|service\s+request|problem|change)\b(?!\s*#?\d)"
                   r"\s*(?:for|:|about|on\s+behalf|,|-|please)"),
        ("create", r"\b(?:i|we)(?:\s+(?:need|want|would\s+like)|'d\s+like)\s+(?:you\s+to\s+open\s+)?"
                   r"(?:a|an)\s+"
                   rf"(?:new\s+)?{_NEW_TICKET_WORD}\b"
                   r"|\b(?:can|could|may)\s+(?:i|we|you)\s+(?:please\s+)?(?:get|have)\s+(?:a|an)\s+(?:new\s+)?"
                   r"(?:ticket|incident|service\s+request|request)\b"
                   r"|\bopen\s+(?:a\s+)?(?:new\s+)?(?:ticket|incident|service\s+request|problem|change)\s*:"),
        ("resolve", rf"\b(?:close|resolve)\s+(?:out\s+|off\s+)?"
                    rf"(?:(?:my|the|this|that|our)\s+(?:[\w-]+\s+){{0,3}}?"
                    rf"{_TICKET_WORD}|{_TICKET_WORD}|it\b|this\b|that\b|#?\d+)"),
        ("resolve", r"\b(?:please\s+)?close(?:\s+(?:it|this|that|please))?\s*[.!?]*$"
                    r"|\b(?:cancel|withdraw)\s+(?:my\s+)?(?:(?:ticket|request|incident)\s+)?#?\d+"),
        ("resolve", r"\bmark\s+(?:ticket\s+)?#?\d+\s+(?:as\s+)?(?:resolved|closed|done|fixed|complete)"
                    r"|\b(?:close|resolve)\s+(?:one|any)\s+of\s+(?:my|our)\s+(?:[\w-]+\s+)?"
                    r"(?:tickets|requests|incidents|calls)\b"),
        ("resolve", rf"\b(?:{_TICKET_WORD}\s+)?#?\d+\s+(?:can|could|should)\s+"
                    r"(?:now\s+)?be\s+(?:closed|resolved)"),
        ("note", r"\b(?:add|put|leave|post|write|append|attach|log|record)\s+(?:an?\s+|the\s+)?"
                 r"(?:[\w-]+\s+){0,2}?"
                 r"(?:note|comment)\b"),
        ("note", r"\b(?:hidden|internal|private|public|visible)\s+(?:note|comment)\b"),
        ("note", r"\b(?:reply|respond|write\s+back)\s+to\s+the\s+(?:user|requester|customer|caller)\b"
                 r"|\btell\s+(?:it|the\s+(?:service\s+)?desk|support|the\s+engineer|the\s+agent)\b"
                 r"|\bupdate\s+(?:ticket\s+)?#?\d+\s+with\s+(?:a|an|the)\s+(?:[\w-]+\s+)?(?:note|comment)\b"
                 r"|\b(?:please\s+)?add\s+(?:on\s+)?that\b"
                 r"|\badd\s+(?:to|on(?:to)?)\s+(?:ticket\s+)?#?\d+\s+(?:that|saying)\b"
                 r"|\badd\s+(?:something|a\s+bit|more|an?\s+update)\s+(?:to|on)\b"
                 r"|\bupdate\s+the\s+(?:user|customer|requester|caller)\b"
                 r"|\btell\s+the\s+(?:user|requester|customer)(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?"
                 r"\s+(?:to|that|the|their|his|her|we)\b"
                 r"|\b(?:tell|let)\s+the\s+(?:user|requester|customer)(?:\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+)?"
                 r"\s+(?:know\b|that\b|to\b)"),
        ("note", r"^\W*update\s+(?:ticket\s+)?#?\d+\s*[:-]\s*(?!(?:priority|prio|team|status|agent)\b)"
                 r"|\bupdate\s+my\s+(?:[\w-]+\s+){0,3}?(?:ticket|request|incident|case)\s*(?:[:-]|with\b)\s*"
                 r"(?!(?:priority|prio|team|status|agent)\b)"
                 r"|\b(?:reply|respond|comment)\s+(?:on|to)\s+(?:ticket\s+)?#?\d+\b"
                 r"|\badd\s+(?:to|on(?:to)?)\s+(?:my\s+)?(?:ticket\s+)?#?\d+\s+(?:that|saying)\b"
                 r"|\b(?:tell|let)\s+the\s+(?:engineer|agent|tech|technician|desk|team)\b"
                 r"|\b(?:tell|let)\s+\w+(?:\s+\w+)?\s+(?:on|of|for)\s+(?:ticket\s+)?#?\d+\s+(?:that|know)\b"
                 r"|\b(?:staff|agent)[- ]only\s+(?:note|comment)\b|\b(?:note|comment)\s*:\s*\S"
                 r"|\b(?:post|add|leave|send|write)\s+(?:an?\s+)?(?:(?:public|visible|private|internal|hidden)\s+)?"
                 r"update\s+(?:on|to)\b"
                 r"|\bnote\s+for\s+the\s+(?:user|requester|customer|caller)\b"),
        ("note", r"\bnote\s+(?:on|to|for)\s+(?:ticket\s+)?#?\d+"
                 r"|\bnote\s+(?:on|to|for)\s+my\s+(?:open\s+)?ticket\b"),
        ("update", r"\b(?:change|set|update|raise|lower|bump|increase|decrease|drop|make|put|up|escalate)\b"
                   r"(?:\s+[\w#-]+){0,6}?\s+priority\b"),
        ("update", r"\bpriority\s+(?:of\s+|on\s+|for\s+)?(?:ticket\s+)?#?\d+\s+(?:to|should\s+be)\b"),
        ("update", r"\bpriority\s+(?:to|should\s+be|=|:)\s*\w+"),
        ("update", r"\b(?:bump|raise|lower|drop|downgrade|upgrade|make)\s+(?:ticket\s+)?#?\d+\s+"
                   r"(?:to\s+)?\w+"),
        ("update", r"\bwho\s+should\s+(?:ticket\s+)?#?\d+\s+go\s+to\b"
                   r"|\bwho\s+should\s+(?:take|get|have|handle)\s+(?:ticket\s+)?#?\d+"),
        ("update", r"\b(?:re-?assign|assign|transfer|route|escalate|hand\s+over|pass)\b"
                   r"|\b(?:needs?|wants?|get|find)\s+(?:it\s+)?(?:a\s+)?(?:new|different|another)\s+"
                   r"(?:owner|agent|assignee|engineer)\b"
                   r"|\bmove\s+(?:it|this|that|the\s+ticket|ticket)\b"
                   r"|\b(?:give|hand)\s+(?:ticket\s+)?(?:#?\d+|it|this|that)\s+(?:over\s+)?to\b"
                   r"|\bi(?:'ll|\s+will|\s+can)\s+(?:take|pick\s+up|grab)\s+(?:ticket\s+)?#?\d+"
                   r"|\b(?:take|get|bring)\s+(?:ticket\s+)?(?:#?\d+|it|this|that)\s+off\s+hold\b"
                   r"|(?:^|\bticket\s+|#)\d+\W+(?:is\s+)?off\s+hold\b"
                   r"|(?:^|\bticket\s+|#)\d+\s+(?:needs\s+to\s+go|should\s+(?:go|be\s+with))\s+(?:to|with)\b"),
        ("update", r"\b(?:put|set|move|mark|place|park)\s+(?:ticket\s+)?(?:#?\d+|it|this|that)\s+"
                   r"(?:on|in|to|as)\s+(?:on\s+)?hold\b|(?:^|\bticket\s+|#)\d+\W+(?:status\s+)?on\s+hold\b"),
        ("update", r"^\W*(?:ticket\s+)?#?\d+\s+(?:to|should\s+be|is\s+now)\s+(?:an?\s+)?[\w-]+"
                   r"(?:\s+[\w-]+){0,3}\W*$"
                   r"|\bpriority\s+(?:of\s+|on\s+|for\s+)?(?:ticket\s+)?#?\d+\s+(?:to\s+)?[\w-]+"
                   r"|\bset\s+priority\s+\w+\s+(?:on|for)\s+(?:ticket\s+)?#?\d+"),
        ("update", r"\b(?:set|change|move|put|mark)\s+(?:the\s+status\s+of\s+)?(?:ticket\s+)?#?\d+\s+"
                   r"(?:to|as|in|into)\b"),
        ("update", r"^\W*(?:ticket\s+)?#?\d+\s*[:,-]\s*(?:priority|team|status|agent)\b"
                   r"|^\W*(?:please\s+)?(?:update|change|edit|amend)\s+(?:ticket\s+)?#?\d+\W*$"),
        ("update", r"\b(?:set|change|update|move|put)\b(?:\s+[\w#'-]+){0,4}?\s+(?:status|state)\s+"
                   r"(?:to|as)\b"),
        ("update", r"\b(?:make|set|bump|raise|lower|drop|move|put)\s+(?:it|this|that)(?:\s+one)?\s+(?:to\s+)?"
                   r"(?:an?\s+)?[\w-]+"),
        ("list", r"\b(?:list|show|display|give|get)\s+(?:me\s+)?(?:every|each|all)\s+(?:[\w-]+\s+){0,2}?"
                 r"(?:tickets?|incidents?|requests?)\b"),
        ("list", r"\b(?:list|show|display|get|give|find|see|view|what|which|pull\s+up|search(?:\s+for)?)\b"
                 r"(?:\s+[\w'-]+){0,6}?\s+(?:tickets|incidents|requests|calls|cases|problems|changes)\b"
                 r"|\b(?:list|show|display|give|get)\s+(?:me\s+)?(?:every|each)\s+(?:ticket|incident|request)\b"),
        ("list", r"\b(?:my|open|closed|all)\s+(?:[\w-]+\s+){0,2}?(?:tickets|requests|incidents)\b"),
        ("list", r"\b(?:tickets|incidents|requests)\s+(?:with|in|having|whose)\s+"
                 r"(?:the\s+)?(?:status|state)\b"),
        ("list", r"\b(?:any|how\s+many)\s+(?:open\s+)?(?:tickets|incidents|requests)\b"),
        ("list", r"\b(?:got|have|has)\s+(?:anything\s+|any\s+)?(?:still\s+)?open\b"
                 r"|\banything\s+(?:still\s+)?open\b"
                 r"|\bwhat(?:'s|\s+is)\s+(?:still\s+)?open\b|\bwhat(?:'s|\s+has|\s+does)\s+.{0,40}\bgot\b"
                 r"|\blist\s+(?:them|those|these|it\s+all)\b|\b(?:list|show)\s+(?:me\s+)?(?:everything|all)\b"
                 r"(?!\s+(?:the\s+|our\s+)?(?:clients?|customers?|sites?|users?|agents?|teams|assets?|people))"
                 r"|\bwhat(?:'s|\s+is|\s+are)\s+\w+(?:\s+\w+)?\s+working\s+on\b"
                 r"|\b(?:everything|all|anything)\s+(?:assigned|allocated)\s+to\b"),
        ("status", r"\bstatus\b|\b(?:update|news|progress)\s+(?:on|about|with)\b"
                   r"|\bany\s+(?:update|news|progress)\b"
                   r"|\bwhat(?:'s|\s+is)\s+happening\s+with\b"),
        ("status", r"\b(?:show|get|check|look\s+up|view|details\s+(?:of|for)|open|see)\s+"
                   rf"(?:me\s+)?(?:my\s+)?(?:the\s+)?{_TICKET_WORD}\s*#?\d+"),
        ("status", rf"\bhow(?:'s|\s+is)\s+(?:my\s+)?{_TICKET_WORD}|\bwhere\s+(?:are\s+we|is)\s+with\b"
                   r"|\b(?:show|see|find|check|get|view)\s+(?:me\s+)?my\s+(?:[\w-]+\s+){0,2}?"
                   r"(?:ticket|incident|request|case)\s+(?:about|for|regarding|on)\b"),
        ("lookup", r"\b(?:look\s*up|find|search(?:\s+for)?|list|show|who\s+(?:are|is)|which|what)\b"
                   r"(?:\s+[\w'-]+){0,3}?\s+"
                   r"(?:the\s+)?(?:clients?|customers?|sites?|users?|agents?|teams|assets?|equipment|devices|"
                   r"hardware)\b"),
        ("lookup", r"\b(?:which|what)\s+team\s+(?:is|does)\b"),
        ("lookup", r"^\W*(?:the\s+)?(?:clients?|customers?|sites?|users?|agents?|assets?|equipment|devices|"
                   r"kit|stores|offices)\s+(?:for|of|at|in|on)\b"
                   r"|\bwhat\s+(?:kit|equipment|hardware|devices?|laptops?|stores|offices|sites)\s+(?:does|do|has)\b"
                   r"|\bwho\s+(?:works|is\s+based|sits)\s+(?:at|in)\b"
                   r"|\bwho(?:'s|\s+is|\s+are)\s+(?:in|on)\s+(?:the\s+)?[\w -]{2,40}?\s+(?:team|queue)\b"
                   r"|\bmembers\s+of\s+(?:the\s+)?[\w -]{2,40}?\s+(?:team|queue)\b"
                   r"|^\W*what(?:'s|s|\s+is)\b.*\b(?:e-?mail|phone|mobile|extension)\s*[?.!]*$"
                   r"|\b(?:who\s+(?:has|owns|uses|is\s+using)|look\s*up|find|show|where\s+is)\s+(?:the\s+)?"
                   r"(?:asset\s+)?[a-z]{2,4}-\d{3,}\b"),
        ("lookup", r"^\W*(?:who(?:'s|\s+is)|look\s*up|find)\s+(?:the\s+)?(?:user\s+|agent\s+)?[A-Z][a-z]+"),
        ("lookup", r"\b(?:equipment|devices?|hardware|assets?|laptops?)\s+(?:is\s+|are\s+)?"
                   r"(?:registered|assigned|issued|belonging)\s+to\b"),
        ("lookup", r"\b(?:phone|mobile|telephone)\s+(?:number|no)\b|\be-?mail\s+address\b"
                   r"|\bcontact\s+details\b"),
        ("options", r"\b(?:what|which|list|show)\b(?:\s+[\w']+){0,3}?\s+"
                    r"(?:ticket\s+types|types\s+of\s+tickets?"
                    r"|priorities|priority\s+levels|(?:ticket\s+)?statuses)\b|\bticket\s+options\b"),
        ("kb", r"^\W*how\s+(?:do|can|should|would|could)\s+(?:i|we|you)\b|\bhow\s+to\b"
               r"|\bwho\s+(?:do|should|can)\s+i\s+(?:contact|ask|speak\s+to|talk\s+to|call)\b"
               r"|\breset\s+my\s+password\b"
               r"|\bhow\s+(?:do|can|should)\s+(?:i|we)\s+(?:fix|solve|stop|get|set|change|connect)\b"
               r"|\b(?:forgot(?:ten)?|can'?t\s+remember)\s+my\s+password\b"
               r"|\bwhere\s+(?:do|can)\s+i\b"
               r"|\b(?:any|some)\s+(?:tips|advice|suggestions|ideas)\b|\banything\s+i\s+(?:can|could)\s+(?:try|do)\b"
               r"|\bwhat\s+(?:should|can|could)\s+i\s+(?:do|try)\b|\b(?:steps|procedure)\b"
               r"|\b(?:kb|knowledge\s*base|article|guide|instructions)\b"),
    )
)

_NEEDS_NO_TICKET_ID = {"kb", "lookup", "options"}

_NEEDS_NO_TICKET_ID = {"kb", "lookup", "options"}
_NAMED_TICKET = re.compile(r"(?:\b(?:ticket|incident|request|case)\s*(?:number\s*|no\.?\s*)?#?\s*|#\s*)\d+\b"
                           r"|(?<![\w.,:/-])\d{3,9}(?![\w.,:/-]\w)", _I)
_PLURAL_TICKETS = re.compile(r"\b(?:tickets|incidents|service\s+requests|problems|changes|P[1-4]s|ones)\b",
                             _I)
# A problem told without a request ("the printer is broken again"): offer to open a ticket for it.
PROBLEM = re.compile(
    r"\b(?:broken|broke|not\s+working|isn't\s+working|doesn't\s+work|does\s+not\s+work|won't|can't|cannot|"
    r"keeps?\s+\w+ing|stopped|failing|fails|failed|flicker\w*|jamm\w*|dead|down|crash\w*|frozen|freez\w*|slow|"
    r"cracked|smashed|leaking|faulty|stuck|no\s+longer|noise|noisy|grinding|beeping|buzzing|rattl\w*|overheat\w*|"
    r"(?:issue|problem|trouble)s?\s+with|missing|lost|expired|"
    r"locked\s+out|blocked|unable|out\s+of\s+(?:toner|paper|ink|order|space|memory|battery)|"
    r"no\s+(?:signal|power|internet|network|sound|audio|wi-?fi|connection|access|picture|display)|"
    r"^\W*(?:i\s+|we\s+)?(?:need|want|would\s+like|'d\s+like)\s+(?:a|an|some|access|new|to\s+(?:get|have))|"
    r"\border\s+(?:me\s+)?(?:a|an|some)\b|"
    r"error|not\s+(?:charging|printing|loading|connecting)"
    r"|(?:isn't|aren't|wasn't|doesn't|don't|won't|can't|cannot|not)\s+(?:\w+\s+)?\w+ing|need\s+help|help\s+me)\b",
    _I)
# A question about the state of things, not a request to change it: "is 792 on hold?", "what's the priority".
_QUESTION = re.compile(r"^\W*(?:what|which|who|whose|where|when|why|how|is|are|was|were|does|did|has|have)\b"
                       r"(?!\s+(?:you|we)\b)", _I)


def classify(text: str) -> str:
    """The intent whose trigger starts earliest; "unknown" when nothing matches."""
    text = normalise_request(text)
    has_id = ticket_id(text) is not None
    best: tuple[int, int, str] | None = None
    for order, (kind, pattern) in enumerate(RULES):
        if kind in _NEEDS_NO_TICKET_ID and has_id:
            continue
        match = pattern.search(text)
        if match and (best is None or (match.start(), order) < best[:2]):
            best = (match.start(), order, kind)
    return best[2] if best else "unknown"


def choose(text: str, entities: Entities) -> str:
    """The intent, refined by what the request names: a new value for one ticket is a change."""
    kind = classify(text)
    if kind in ("status", "unknown") and names_a_change(text, entities):
        return "update"
    if kind in ("status", "unknown") and _said_on_ticket(text):
        return "note"  # "789: tried the new password, still rejected": news for the ticket
    listing = not entities.tickets and _filters(entities) and not _MY_TICKET.search(text)
    if kind in ("status", "unknown") and listing:
        return "list"  # "1st Line Support, status in progress": the tickets with that status
    if kind != "unknown":
        return kind
    if _NAMED_TICKET.search(text):
        return "status"  # any other question about a numbered ticket is answered by reading it
    if _PLURAL_TICKETS.search(text):
        return "list"  # "on hold tickets for the 2nd line team"
    if PROBLEM.search(text):
        return "offer"
    return "unknown"


_ON_TICKET = re.compile(r"^\W*(?:ticket\s+)?#?\d{2,9}\s*:\s*(\S.*)$", _I | re.S)


def _said_on_ticket(text: str) -> bool:
    """A ticket number, a colon, then a statement (not a question) of a few words."""
    said = _ON_TICKET.match(text)
    if said is None or said.group(1).rstrip().endswith("?") or _QUESTION.search(said.group(1)):
        return False
    return len(re.findall(r"[A-Za-z']{2,}", said.group(1))) >= 3


def _filters(entities: Entities) -> bool:
    raised_by = entities.person if entities.person_role == "requester" else None  # "anything logged by …"
    found = (entities.teams, entities.statuses, entities.priority, entities.types, entities.agent_id,
             raised_by)
    return any(value for value in found)


_MY_TICKET = re.compile(r"\bmy\s+(?:[\w-]+\s+){0,3}(?:ticket|incident|request|case|issue)\b(?!s)", _I)


def names_a_change(text: str, entities: Entities) -> bool:
    """One ticket and a new value for it ("792 prio low", "can Grace take 791"), not asked as a question."""
    several = len(listed_tickets(text)) == len(entities.tickets) > 1  # "set 781 and 784 to low"
    if (len(entities.tickets) != 1 and not several) or _QUESTION.search(text) or entities.impossible:
        return False
    person = entities.person is not None and entities.person_role == "assignee"
    return bool(entities.priority or entities.statuses or entities.teams or person or entities.agent_id)
