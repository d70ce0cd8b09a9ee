"""Seeded demo tickets and their notes, with the fixed points the seed prompts rely on.

Ticket 789: Emma Hart's open Incident "Cannot access email"; Emma owns two more open tickets, neither
about email. Ticket 790: Liam Cole's open VPN Incident. Agent 6 owns well over 100 tickets (paging) with
at least 8 open Incidents. Other tickets never belong to Emma or Liam.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from halo_agent.sandbox import demo_data as d

Record = dict[str, Any]
FIRST_TICKET_ID = 600
BASE_DATE = datetime(2025, 1, 6, 8, 30)

SUBJECTS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (
        ("Laptop will not start", "Power light comes on but the screen stays black."),
        ("Printer on first floor offline", "Shows offline for everyone in the finance area."),
        ("Cannot connect to VPN from home", "GlobalProtect says gateway not responding."),
        ("Shared drive not mapped after restart", "The P: drive is missing this morning."),
        ("Teams calls drop after a few minutes", "Audio cuts out and the call ends."),
        ("Monitor flickering on docking station", "Second screen flickers every few seconds."),
        ("Wi-Fi keeps disconnecting in meeting room 3", "Laptops lose Wi-Fi in that room only."),
        ("Application crashes when exporting report", "Stock system closes when exporting to Excel."),
        ("Keyboard keys not responding", "Several keys on the laptop keyboard do nothing."),
        ("Scanner sends blank pages", "Scan to email arrives with blank PDF pages."),
        ("BitLocker recovery screen on start-up", "Laptop asks for a recovery key every boot."),
        ("Phone not receiving MFA prompts", "Authenticator app shows nothing when signing in."),
        ("Till cannot reach payment terminal", "Card payments fail at till 2."),
        ("Slow network at warehouse", "Handheld scanners time out on the warehouse floor."),
    ),
    2: (
        ("Recurring VPN drops across remote workers", "Several users report drops at 11:00 daily."),
        ("Print server queue stalls weekly", "Spooler stops every Monday morning."),
        ("Frequent account lockouts in Leeds", "Many lockouts since the password policy change."),
        ("Docking stations losing displays after update", "Firmware update suspected."),
    ),
    3: (
        ("Upgrade core switch firmware", "Planned firmware upgrade on the core switch stack."),
        ("Replace Wi-Fi access points in warehouse", "Swap six old access points for new ones."),
        ("Migrate file shares to SharePoint", "Move the Projects share to SharePoint Online."),
        ("Renew VPN gateway certificate", "Certificate expires at the end of the month."),
        ("Roll out new antivirus policy", "Apply the updated policy to all laptops."),
    ),
    4: (
        ("New starter: laptop and account", "New starter joins on Monday, needs laptop and account."),
        ("Install Visio", "Please install Microsoft Visio for process diagrams."),
        ("Access to Finance shared drive", "Need read access to the Finance share."),
        ("Replacement headset", "Headset microphone is broken; please send a replacement."),
        ("Add me to the Projects distribution list", "Need to receive project update emails."),
        ("Second monitor request", "Would like a second monitor for my desk."),
        ("Leaver: remove access", "Colleague leaves on Friday; please remove access."),
        ("Mobile phone upgrade", "Phone is four years old and the battery lasts two hours."),
    ),
}
PUBLIC_NOTES = (
    "Thanks for reporting this. I am looking into it now.",
    "Could you restart the device and let us know whether the problem continues?",
    "We have ordered the replacement part; it should arrive within two working days.",
    "I have applied a fix remotely. Please check and reply if it is still happening.",
    "Scheduled an engineer visit for tomorrow morning.",
)
PRIVATE_NOTES = (
    "Checked event logs: repeated driver errors since the last update.",
    "Escalated to the vendor, reference VND-{n}.",
    "Same fault as a previous ticket for this site; likely hardware.",
    "User confirmed by phone; waiting on the part from stores.",
    "Reviewed switch port stats, CRC errors on the uplink.",
)


def build_tickets(count: int, people: list[Record]) -> tuple[dict[int, Record], dict[int, list[Record]]]:
    """`count` tickets (ids from 600) and their notes, seeded and fixed-point safe."""
    rng = random.Random(20250106)
    others = [p for p in people if p["emailaddress"] not in (d.EMMA_EMAIL, d.LIAM_EMAIL)]
    tickets: dict[int, Record] = {}
    actions: dict[int, list[Record]] = {}
    for index in range(count):
        ticket_id = FIRST_TICKET_ID + index
        ticket = _random_ticket(rng, ticket_id, index, rng.choice(others))
        tickets[ticket_id] = ticket
        actions[ticket_id] = _random_actions(rng, ticket)
    for ticket in _fixed_tickets(people, count):
        tickets[ticket["id"]] = ticket
        actions[ticket["id"]] = _fixed_actions(ticket)
    return tickets, actions


def _random_ticket(rng: random.Random, ticket_id: int, index: int, user: Record) -> Record:
    if index % 8 in (0, 1, 2):
        agent_id: int | None = 6
    else:
        agent_id = rng.choice((1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, None))
    type_id = 1 if agent_id == 6 and index < 64 else rng.choice((1, 1, 1, 4, 4, 2, 3))
    status_id = rng.choice((1, 2, 2, 3, 4, 5, 8, 9, 9, 9, 21))
    if agent_id == 6 and index < 64:
        status_id = rng.choice((1, 2, 3))
    summary, details = rng.choice(SUBJECTS[type_id])
    opened = BASE_DATE + timedelta(hours=index * 7 + rng.randint(0, 6), minutes=rng.randint(0, 59))
    priority_index = rng.choice((0, 1, 1, 2, 2, 2, 3, 3))
    return make_ticket(
        ticket_id, summary, details, type_id, status_id, priority_index, user, agent_id, opened,
        team_name=_team_for(agent_id, rng),
    )


def _team_for(agent_id: int | None, rng: random.Random) -> str:
    teams = {tid: name for tid, name, _ in d.TEAMS}
    if agent_id is None:
        return teams[rng.choice((1, 1, 2, 3, 5))]
    agent_team = next(team_id for aid, _, team_id, _ in d.AGENTS if aid == agent_id)
    return teams[agent_team]


def make_ticket(
    ticket_id: int, summary: str, details: str, type_id: int, status_id: int, priority_index: int,
    user: Record, agent_id: int | None, opened: datetime, *, team_name: str,
) -> Record:
    """A full ticket record in Halo's field names (canonical ints; the app renders Halo's quirks)."""
    sla_id = next(sla for cid, _, sla in d.CLIENTS if cid == user["client_id"])
    closed = status_id == d.STATUS_CLOSED
    last = opened + timedelta(hours=3 + ticket_id % 40)
    return {
        "id": ticket_id, "summary": summary, "details": details, "details_html": f"<p>{details}</p>",
        "tickettype_id": type_id, "status_id": status_id, "sla_id": sla_id,
        "priority_id": d.PRIORITY_IDS[sla_id][priority_index],
        "client_id": user["client_id"], "client_name": user["client_name"],
        "site_id": user["site_id"], "site_name": user["site_name"],
        "user_id": user["id"], "user_name": user["name"], "user_email": user["emailaddress"],
        "reportedby": user["name"], "agent_id": agent_id, "team": team_name,
        "dateoccurred": _iso(opened), "datecreated": _iso(opened), "lastactiondate": _iso(last),
        "dateclosed": _iso(last) if closed else None, "hasbeenclosed": closed,
        "category_1": "", "impact": 3, "urgency": 3, "source": 2, "onhold": status_id == 5,
        "customfields": [{"id": 201, "name": "CFAssetTag", "value": ""}],
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000")


def _random_actions(rng: random.Random, ticket: Record) -> list[Record]:
    notes: list[Record] = []
    for _ in range(rng.randint(0, 3)):
        hidden = rng.random() < 0.4
        text = rng.choice(PRIVATE_NOTES if hidden else PUBLIC_NOTES).format(n=rng.randint(1000, 9999))
        outcome_id = 1 if hidden else 2
        notes.append(make_action(ticket, len(notes) + 1, text, outcome_id, hidden, ticket["agent_id"]))
    if ticket["status_id"] == d.STATUS_CLOSED:
        notes.append(make_action(ticket, len(notes) + 1, "Resolved and confirmed with the user.", 4,
                                 False, ticket["agent_id"], new_status=d.STATUS_CLOSED))
    return notes


def make_action(
    ticket: Record, action_id: int, note: str, outcome_id: int, hidden: bool, agent_id: int | None,
    *, new_status: int | None = None, when: str | None = None,
) -> Record:
    outcome = next(name for oid, name, _, _ in d.OUTCOMES if oid == outcome_id)
    who = next((name for aid, name, _, _ in d.AGENTS if aid == agent_id), "Service Desk")
    return {
        "id": action_id, "ticket_id": ticket["id"], "outcome": outcome, "outcome_id": outcome_id,
        "note": note, "note_html": f"<p>{note}</p>", "hiddenfromuser": hidden, "who": who,
        "who_agentid": agent_id or 0, "who_type": 1, "datetime": when or ticket["lastactiondate"],
        "new_status": new_status or 0, "timetaken": 0.25, "actionby_agent_id": agent_id or 0,
    }


def _fixed_tickets(people: list[Record], count: int) -> list[Record]:
    emma = next(p for p in people if p["emailaddress"] == d.EMMA_EMAIL)
    liam = next(p for p in people if p["emailaddress"] == d.LIAM_EMAIL)
    last = FIRST_TICKET_ID + count - 1
    spare = [last - 2, last - 1, last]  # Emma's and Liam's other tickets: the newest ids
    at = BASE_DATE + timedelta(days=120)
    return [
        make_ticket(789, "Cannot access email",
                    "Outlook says 'Need password' and webmail rejects my password since this morning.",
                    1, 2, 1, emma, 3, at, team_name="1st Line Support"),
        make_ticket(790, "VPN disconnects every few minutes",
                    "GlobalProtect drops the connection every 5-10 minutes when working from home.",
                    1, 2, 2, liam, 8, at + timedelta(hours=2), team_name="Network"),
        make_ticket(spare[0], "Docking station not detecting second monitor",
                    "The second screen stays black when I dock my laptop.", 1, 1, 2, emma, None,
                    at + timedelta(days=1), team_name="1st Line Support"),
        make_ticket(spare[1], "Access to Finance shared drive",
                    "I need read access to \\\\files01\\Finance for month-end reports.", 4, 3, 3, emma, 4,
                    at + timedelta(days=2), team_name="1st Line Support"),
        make_ticket(spare[2], "Replacement headset", "My headset microphone crackles on calls.", 4, 8, 3,
                    liam, 5, at + timedelta(days=3), team_name="1st Line Support"),
    ]


def _fixed_actions(ticket: Record) -> list[Record]:
    if ticket["id"] == 789:
        return [
            make_action(ticket, 1, "Thanks Emma, we are checking your mailbox now.", 2, False, 3),
            make_action(ticket, 2, "Account not locked; sign-in logs show failed MFA.", 1, True, 3),
        ]
    if ticket["id"] == 790:
        return [make_action(ticket, 1, "Gateway logs show the machine certificate is close to expiry.",
                            1, True, 8)]
    return []
