"""The demo data is deterministic, large enough to be real, and holds every fixed point the seeds use."""

from __future__ import annotations

from collections import Counter

from halo_agent.examples import DEMO_EMPLOYEE_EMAIL, OTHER_EMPLOYEE_EMAIL
from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app


def test_sizes(app: SandboxApp) -> None:
    store = app.state_store
    sizes = {kind: len(store.lookup(kind)) for kind in ("clients", "sites", "users", "agents", "kbarticles")}
    assert sizes["clients"] >= 3 and sizes["sites"] >= 20 and sizes["users"] >= 30
    assert sizes["agents"] >= 10 and sizes["kbarticles"] >= 30
    assert len(store.tickets) >= 250 and store.lookup("assets")
    assert sum(len(rows) for rows in store.actions.values()) > 250


def test_same_code_builds_the_same_data() -> None:
    first, second = create_app().state_store, create_app().state_store
    assert first.tickets == second.tickets and first.actions == second.actions


def test_tickets_cover_every_type_status_agent_and_team(app: SandboxApp) -> None:
    tickets = app.state_store.tickets.values()
    store = app.state_store
    assert {t["tickettype_id"] for t in tickets} == {row["id"] for row in store.lookup("tickettypes")}
    assert {t["status_id"] for t in tickets} == {row["id"] for row in store.lookup("statuses")}
    assert {t["team"] for t in tickets} == {row["name"] for row in store.lookup("teams")}
    humans = {row["id"] for row in store.lookup("agents") if row["name"] != "Halo Agent Integration"}
    assert humans <= {t["agent_id"] for t in tickets}
    notes = [a for rows in store.actions.values() for a in rows]
    assert {a["hiddenfromuser"] for a in notes} == {True, False}


def test_fixed_points(app: SandboxApp) -> None:
    store = app.state_store
    ticket = store.ticket(789)
    assert ticket is not None and ticket["user_email"] == DEMO_EMPLOYEE_EMAIL
    assert ticket["tickettype_id"] == 1 and ticket["status_id"] != 9 and "email" in ticket["summary"].lower()
    emma_open = [
        t for t in store.tickets.values() if t["user_email"] == DEMO_EMPLOYEE_EMAIL and t["status_id"] != 9
    ]
    others = [t for t in emma_open if t["id"] != 789]
    assert len(others) >= 2 and not any("email" in (t["summary"] + t["details"]).lower() for t in others)
    liam = store.ticket(790)
    assert liam is not None and liam["user_email"] == OTHER_EMPLOYEE_EMAIL and liam["status_id"] != 9
    assert store.find("sites", 18) is not None
    assert store.find("statuses", 9)["name"] == "Closed"  # type: ignore[index]


def test_agents_and_teams_the_seeds_name(app: SandboxApp) -> None:
    store = app.state_store
    agents = {a["id"]: a for a in store.lookup("agents")}
    assert agents[1]["name"] == "Alex Morgan" and agents[1]["isadmin"] and agents[2]["isadmin"]
    teams = {t["name"] for t in store.lookup("teams")}
    assert {"1st Line Support", "2nd Line Support", "Network", "Service Desk Leads"} <= teams
    by_agent = Counter(t["agent_id"] for t in store.tickets.values())
    assert by_agent[6] > 100
    open_incidents = [
        t
        for t in store.tickets.values()
        if t["agent_id"] == 6 and t["tickettype_id"] == 1 and t["status_id"] != 9
    ]
    assert len(open_incidents) >= 5


def test_priorities_and_outcomes(app: SandboxApp) -> None:
    store = app.state_store
    names = {(p["slaid"], p["name"]) for p in store.lookup("priorities")}
    assert {(1, n) for n in ("Critical", "High", "Medium", "Low")} <= names
    outcomes = {o["outcome"] for o in store.lookup("outcomes")}
    assert {"Private Note", "Public Note", "Resolved"} <= outcomes


def test_kb_has_real_how_to_content(app: SandboxApp) -> None:
    articles = app.state_store.lookup("kbarticles")
    topics = ("password", "vpn", "mfa", "printer", "wi-fi", "phone")
    for topic in topics:
        assert any(topic in (a["name"] + a["tag_string"]).lower() for a in articles), topic
    assert all(a["resolution"].count("\n") >= 2 for a in articles)
    assert all("@" not in a["resolution"] or "example.com" in a["resolution"] for a in articles)


def test_everyone_has_an_example_com_email(app: SandboxApp) -> None:
    store = app.state_store
    emails = [u["emailaddress"] for u in store.lookup("users")] + [a["email"] for a in store.lookup("agents")]
    assert all(email.endswith("@example.com") for email in emails)
    assert len(set(emails)) == len(emails)


def test_large_data_sets_for_benchmarks() -> None:
    store = create_app(SandboxConfig(ticket_count=10_000)).state_store
    assert len(store.tickets) == 10_000 and store.ticket(789) is not None
