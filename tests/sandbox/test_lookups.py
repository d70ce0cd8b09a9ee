"""Lookups keep halo-api.md's shapes: which lists are wrapped, which are bare, and how search matches."""

from __future__ import annotations

import httpx2
import pytest

Headers = dict[str, str]
WRAPPED = {
    "/api/Client": "clients",
    "/api/Site": "sites",
    "/api/Users": "users",
    "/api/Asset": "assets",
    "/api/KBArticle": "articles",
}
BARE = ("/api/Agent", "/api/Team", "/api/TicketType", "/api/Status", "/api/Priority", "/api/Outcome")


@pytest.mark.parametrize(("path", "key"), sorted(WRAPPED.items()))
async def test_wrapped_lists(raw: httpx2.AsyncClient, headers: Headers, path: str, key: str) -> None:
    body = (await raw.get(path, headers=headers)).json()
    assert body["record_count"] == len(body[key]) > 0


@pytest.mark.parametrize("path", BARE)
async def test_bare_arrays(raw: httpx2.AsyncClient, headers: Headers, path: str) -> None:
    body = (await raw.get(path, headers=headers)).json()
    assert isinstance(body, list) and body


async def test_paths_are_case_insensitive(raw: httpx2.AsyncClient, headers: Headers) -> None:
    upper = (await raw.get("/API/TICKETTYPE", headers=headers)).json()
    lower = (await raw.get("/api/tickettype", headers=headers)).json()
    assert upper == lower and {t["name"] for t in upper} >= {
        "Incident",
        "Service Request",
        "Problem",
        "Change",
    }


async def test_users_search_matches_name_and_email(raw: httpx2.AsyncClient, headers: Headers) -> None:
    by_email = (await raw.get("/api/Users?search=emma.hart@example.com", headers=headers)).json()["users"]
    by_name = (await raw.get("/api/Users?search=Emma Hart", headers=headers)).json()["users"]
    assert [u["id"] for u in by_email] == [u["id"] for u in by_name] == [101]


async def test_sites_filter_by_client(raw: httpx2.AsyncClient, headers: Headers) -> None:
    sites = (await raw.get("/api/Site?client_id=3", headers=headers)).json()["sites"]
    assert sites and {s["client_id"] for s in sites} == {3}
    site = (await raw.get("/api/Site/18", headers=headers)).json()
    assert site["client_name"] and site["id"] == 18


async def test_kb_search_covers_name_description_and_tags(raw: httpx2.AsyncClient, headers: Headers) -> None:
    rows = (await raw.get("/api/KBArticle?search=password", headers=headers)).json()["articles"]
    assert any("reset" in row["name"].lower() for row in rows)
    tagged = (await raw.get("/api/KBArticle?search=globalprotect", headers=headers)).json()["articles"]
    assert tagged and all(row["resolution"] for row in tagged)
    sentence = (await raw.get("/api/KBArticle?search=How do I reset my password?", headers=headers)).json()
    assert sentence["record_count"] == 0  # Halo matches the whole term, not words


async def test_priorities_differ_per_sla(raw: httpx2.AsyncClient, headers: Headers) -> None:
    rows = (await raw.get("/api/Priority", headers=headers)).json()
    high = {row["slaid"]: row["priorityid"] for row in rows if row["name"] == "High"}
    assert len(high) == 2 and len(set(high.values())) == 2


async def test_agent_me_and_disabled_agents(raw: httpx2.AsyncClient, headers: Headers) -> None:
    me = (await raw.get("/api/Agent/me", headers=headers)).json()
    assert me["name"] == "Halo Agent Integration"
    active = (await raw.get("/api/Agent", headers=headers)).json()
    everyone = (await raw.get("/api/Agent?includedisabled=true", headers=headers)).json()
    assert len(everyone) == len(active) + 1
    assert next(a for a in active if a["id"] == 1)["name"] == "Alex Morgan"


async def test_unknown_ids_and_resources_are_404(raw: httpx2.AsyncClient, headers: Headers) -> None:
    assert (await raw.get("/api/Client/999", headers=headers)).status_code == 404
    assert (await raw.get("/api/Nothing", headers=headers)).status_code == 404


async def test_bad_number_in_query_is_400(raw: httpx2.AsyncClient, headers: Headers) -> None:
    assert (await raw.get("/api/Site?client_id=abc", headers=headers)).status_code == 400
