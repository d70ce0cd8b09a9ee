"""The sandbox's reference data: fictional clients, sites, people and the instance's configuration.

Deterministic: the same code always builds the same records. Ids are fixed where the seed prompts and
the tests rely on them (site 18, agents 1, 2 and 6, status 9 = Closed, the two demo employees).
"""

from __future__ import annotations

import random
from typing import Any

from halo_agent.sandbox.kb_articles import KB_ARTICLES

Record = dict[str, Any]

STATUS_CLOSED = 9
API_AGENT_ID = 13
EMMA_EMAIL = "emma.hart@example.com"
LIAM_EMAIL = "liam.cole@example.com"

CLIENTS = (  # id, name, sla id
    (1, "Northgate Manufacturing", 1),
    (2, "Harbour Street Retail", 1),
    (3, "Kestrel Research", 2),
)
SITES = (  # id, client id, name
    (1, 1, "Head Office"), (2, 1, "Leeds Plant"), (3, 1, "Bradford Warehouse"), (4, 1, "Hull Depot"),
    (5, 1, "Sheffield Office"), (6, 1, "York Workshop"), (7, 1, "Remote Workers"),
    (8, 2, "Support Centre"), (9, 2, "Market Street Store"), (10, 2, "Riverside Store"),
    (11, 2, "Quayside Store"), (12, 2, "Distribution Centre"), (13, 2, "Canal Wharf Store"),
    (14, 2, "Online Team"), (15, 3, "Cambridge Lab"), (16, 3, "Oxford Lab"), (17, 3, "Bristol Office"),
    (18, 1, "Manchester Office"), (19, 3, "Field Research"), (20, 2, "Westgate Store"),
    (21, 1, "Newcastle Office"), (22, 3, "Edinburgh Office"),
)
TEAMS = (  # id, name, inactive
    (1, "1st Line Support", False), (2, "2nd Line Support", False), (3, "Network", False),
    (4, "Service Desk Leads", False), (5, "Applications", False), (6, "Legacy Desktop", True),
)
AGENTS = (  # id, name, team id, disabled
    (1, "Alex Morgan", 4, False), (2, "Priya Shah", 4, False), (3, "Ben Carter", 1, False),
    (4, "Chloe Evans", 1, False), (5, "Daniel Okafor", 1, False), (6, "Sam Turner", 2, False),
    (7, "Grace Lin", 2, False), (8, "Tom Becker", 3, False), (9, "Nina Patel", 3, False),
    (10, "Omar Haddad", 5, False), (11, "Lucy Grant", 1, False), (12, "Ravi Kumar", 6, True),
    (API_AGENT_ID, "Halo Agent Integration", 4, False),
)
TICKET_TYPES = (  # id, name
    (1, "Incident"), (2, "Problem"), (3, "Change"), (4, "Service Request"),
)
STATUSES = (  # id, name, type (0 open, 1 waiting, 2 resolved, 4 closed)
    (1, "New", 0), (2, "In Progress", 0), (3, "Waiting on User", 1), (4, "Waiting on Third Party", 1),
    (5, "On Hold", 1), (8, "Resolved", 2), (STATUS_CLOSED, "Closed", 4), (21, "Re-opened", 0),
)
SLAS = ((1, "Standard SLA"), (2, "Research SLA"))
PRIORITY_NAMES = ("Critical", "High", "Medium", "Low")
PRIORITY_IDS = {1: (1, 2, 3, 4), 2: (11, 12, 13, 14)}  # per SLA: priorityid for each name above
OUTCOMES = (  # id, outcome, hidden from user by default, restricted to some agents
    (1, "Private Note", True, False), (2, "Public Note", False, False), (3, "Email User", False, False),
    (4, "Resolved", False, False), (5, "Logged", False, False), (6, "Change Status", True, False),
    (7, "Approval Decision", True, True),
)
FIRST_NAMES = (
    "Olivia", "Noah", "Amelia", "Jack", "Isla", "Harry", "Ava", "Oscar", "Mia", "George", "Freya",
    "Leo", "Sophie", "Arthur", "Lily", "Finley", "Ella", "Theo", "Grace", "Henry", "Ruby", "Jacob",
    "Evie", "Charlie", "Poppy", "Alfie", "Zara", "Ethan", "Maya", "Lucas", "Hannah", "Rowan",
)
SURNAMES = (
    "Walsh", "Price", "Bennett", "Hughes", "Fletcher", "Reid", "Marsh", "Doyle", "Kaur", "Nolan",
    "Ahmed", "Barker", "Quinn", "Hayes", "Sutton", "Moss", "Chambers", "Lowe", "Novak", "Brennan",
)


def clients() -> list[Record]:
    return [
        {"id": cid, "name": name, "inactive": False, "toplevel_id": 1, "toplevel_name": "Customers",
         "sla_id": sla, "colour": "#2b6cb0", "website": f"https://{name.split()[0].lower()}.example.com"}
        for cid, name, sla in CLIENTS
    ]


def sites() -> list[Record]:
    names = {cid: name for cid, name, _ in CLIENTS}
    return [
        {"id": sid, "name": name, "client_id": cid, "client_name": names[cid],
         "clientsite_name": f"{names[cid]}/{name}", "inactive": False,
         "phonenumber": f"0161 496 0{sid:03d}"}
        for sid, cid, name in SITES
    ]


def users() -> list[Record]:
    """34 people: the two demo employees first, then a seeded mix spread over the sites."""
    rng = random.Random(4711)
    people = [("Emma", "Hart", 18), ("Liam", "Cole", 18)]
    pairs = [(first, last) for first in FIRST_NAMES for last in SURNAMES]
    for first, last in rng.sample(pairs, 32):
        people.append((first, last, rng.choice(SITES)[0]))
    site_rows = {site["id"]: site for site in sites()}
    return [_user(uid, first, last, site_rows[sid]) for uid, (first, last, sid) in enumerate(people, 101)]


def _user(uid: int, first: str, last: str, site: Record) -> Record:
    return {
        "id": uid, "name": f"{first} {last}", "firstname": first, "surname": last,
        "emailaddress": f"{first.lower()}.{last.lower()}@example.com",
        "site_id": site["id"], "site_name": site["name"], "client_id": site["client_id"],
        "client_name": site["client_name"], "inactive": False, "phonenumber": f"07700 900{uid:03d}",
    }


def teams() -> list[Record]:
    return [{"id": tid, "name": name, "inactive": inactive, "department_id": 1, "department_name": "IT"}
            for tid, name, inactive in TEAMS]


def agents() -> list[Record]:
    team_names = {tid: name for tid, name, _ in TEAMS}
    return [
        {"id": aid, "name": name, "email": _agent_email(name), "team": team_names[team_id],
         "team_id": team_id, "isdisabled": disabled, "is_agent": True,
         "isadmin": aid in (1, 2, API_AGENT_ID), "jobtitle": _job_title(team_id)}
        for aid, name, team_id, disabled in AGENTS
    ]


def _agent_email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.com"


def _job_title(team_id: int) -> str:
    return {1: "Service Desk Analyst", 2: "Support Engineer", 3: "Network Engineer",
            4: "Service Desk Lead", 5: "Applications Analyst"}.get(team_id, "Engineer")


def ticket_types() -> list[Record]:
    return [{"id": tid, "name": name, "use": "ticket", "inactive": False} for tid, name in TICKET_TYPES]


def statuses() -> list[Record]:
    return [{"id": sid, "name": name, "type": stype, "colour": "#718096", "sequence": seq}
            for seq, (sid, name, stype) in enumerate(STATUSES, 1)]


def priorities() -> list[Record]:
    rows: list[Record] = []
    for sla_id, sla_name in SLAS:
        for index, name in enumerate(PRIORITY_NAMES):
            rows.append({
                "id": len(rows) + 1, "slaid": sla_id, "sla_name": sla_name,
                "priorityid": PRIORITY_IDS[sla_id][index], "name": name,
                "responsetime": (1, 4, 8, 24)[index], "fixtime": (4, 8, 24, 72)[index],
            })
    return rows


def outcomes() -> list[Record]:
    return [{"id": oid, "outcome": name, "buttonname": name, "hidefromuser": hidden}
            for oid, name, hidden, _ in OUTCOMES]


RESTRICTED_OUTCOME_IDS = frozenset(oid for oid, _, _, restricted in OUTCOMES if restricted)


def kb_articles() -> list[Record]:
    return [
        {"id": aid, "name": name, "tag_string": tags, "description": description, "resolution": resolution,
         "type": 0, "inactive": False, "view_count": 40 + (aid * 37) % 400}
        for aid, (name, tags, description, resolution) in enumerate(KB_ARTICLES, 1)
    ]


ASSET_TYPES = ((1, "Laptop", "LAP"), (2, "Desktop", "DSK"), (3, "Printer", "PRN"), (4, "Switch", "NET"),
               (5, "Mobile Phone", "MOB"), (6, "Monitor", "MON"))


def assets(people: list[Record]) -> list[Record]:
    """A laptop and phone for most people, plus printers and switches per site."""
    rows: list[Record] = []
    for index, person in enumerate(people):
        for type_id in (1, 5) if index % 3 else (1, 5, 6):
            rows.append(_asset(len(rows) + 1, type_id, person["site_id"], person))
    for site_id, _, _ in SITES:
        rows.append(_asset(len(rows) + 1, 3, site_id, None))
        if site_id % 2:
            rows.append(_asset(len(rows) + 1, 4, site_id, None))
    return rows


_SITE_ROWS = {row["id"]: row for row in sites()}


def _asset(aid: int, type_id: int, site_id: int, person: Record | None) -> Record:
    site = _SITE_ROWS[site_id]
    _, type_name, prefix = ASSET_TYPES[type_id - 1]
    return {
        "id": aid, "inventory_number": f"{prefix}-{aid:04d}", "key_field": f"{prefix}-{aid:04d}",
        "assettype_id": type_id, "assettype_name": type_name, "client_id": site["client_id"],
        "client_name": site["client_name"], "site_id": site_id, "site_name": site["name"],
        "username": person["name"] if person else "", "user_id": person["id"] if person else None,
        "inactive": False,
    }
