"""`/api/Tickets` keeps Halo's shapes and rules: wrappers, pageinate, filters by effect, array upserts."""

from __future__ import annotations

from typing import Any

import httpx2

from halo_agent.sandbox import SandboxApp

Headers = dict[str, str]


async def _list(raw: httpx2.AsyncClient, headers: Headers, **params: Any) -> dict[str, Any]:
    answer = await raw.get("/api/Tickets", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_list_is_wrapped_with_record_count(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    body = await _list(raw, headers)
    assert body["record_count"] == len(app.state_store.tickets) == len(body["tickets"])


async def test_page_params_without_pageinate_are_ignored(raw: httpx2.AsyncClient, headers: Headers) -> None:
    body = await _list(raw, headers, page_size=10, page_no=3)
    assert len(body["tickets"]) == body["record_count"] >= 250


async def test_count_caps_without_paging(raw: httpx2.AsyncClient, headers: Headers) -> None:
    body = await _list(raw, headers, count=7)
    assert len(body["tickets"]) == 7
    assert body["record_count"] >= 250


async def test_pageinate_pages_cover_every_row_once(raw: httpx2.AsyncClient, headers: Headers) -> None:
    seen: list[int] = []
    page_no = 1
    while True:
        body = await _list(raw, headers, agent_id=6, pageinate="True", page_size=40, page_no=page_no)
        seen += [row["id"] for row in body["tickets"]]
        if len(seen) >= body["record_count"] or not body["tickets"]:
            break
        page_no += 1
    assert len(seen) == len(set(seen)) == body["record_count"] > 100
    assert body["page_size"] == 40


async def test_page_size_is_capped_at_100(raw: httpx2.AsyncClient, headers: Headers) -> None:
    body = await _list(raw, headers, pageinate="true", page_size=500, page_no=1)
    assert len(body["tickets"]) == 100 < body["record_count"]


async def test_filters_act_by_their_swagger_names(raw: httpx2.AsyncClient, headers: Headers) -> None:
    incidents = await _list(raw, headers, agent_id=6, requesttype_id=1, open_only="true")
    rows = incidents["tickets"]
    assert len(rows) >= 5
    assert all(r["agent_id"] == 6 and r["tickettype_id"] == 1 and r["status_id"] != 9 for r in rows)
    closed = await _list(raw, headers, closed_only="true")
    assert closed["tickets"] and all(r["status_id"] == 9 and r["hasbeenclosed"] for r in closed["tickets"])


async def test_wrong_filter_name_silently_filters_nothing(raw: httpx2.AsyncClient, headers: Headers) -> None:
    everything = await _list(raw, headers)
    typed = await _list(raw, headers, tickettype_id=1, team_id=2)
    assert typed["record_count"] == everything["record_count"]


async def test_comma_lists_filter_teams_statuses_and_agents(
    raw: httpx2.AsyncClient, headers: Headers
) -> None:
    body = await _list(raw, headers, team="1,3", status="1,2", agent="3,8,9")
    rows = body["tickets"]
    assert rows
    assert {r["team"] for r in rows} <= {"1st Line Support", "Network"}
    assert {r["status_id"] for r in rows} <= {1, 2} and {r["agent_id"] for r in rows} <= {3, 8, 9}


async def test_search_and_ordering(raw: httpx2.AsyncClient, headers: Headers) -> None:
    found = await _list(raw, headers, search="cannot access email")
    assert [r["id"] for r in found["tickets"]] == [789]
    ascending = await _list(raw, headers, order="id", orderdesc="false", count=3)
    assert [r["id"] for r in ascending["tickets"]] == [600, 601, 602]


async def test_some_priority_ids_arrive_as_strings(raw: httpx2.AsyncClient, headers: Headers) -> None:
    rows = (await _list(raw, headers))["tickets"]
    assert any(isinstance(r["priority_id"], str) for r in rows)
    assert any(isinstance(r["priority_id"], int) for r in rows)


async def test_get_by_id_and_404(raw: httpx2.AsyncClient, headers: Headers) -> None:
    ticket = (await raw.get("/api/tickets/789", headers=headers)).json()
    assert ticket["user_email"] == "emma.hart@example.com" and ticket["details"]
    assert "user" not in ticket
    detailed = (await raw.get("/api/Tickets/789?includedetails=true", headers=headers)).json()
    assert detailed["user"]["emailaddress"] == "emma.hart@example.com"
    assert (await raw.get("/api/Tickets/999999", headers=headers)).status_code == 404


async def test_bare_object_body_is_refused(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    before = len(app.state_store.tickets)
    answer = await raw.post(
        "/api/Tickets", json={"summary": "x", "details": "y", "site_id": 18}, headers=headers
    )
    assert answer.status_code == 400
    assert "$" in answer.json()
    assert len(app.state_store.tickets) == before


async def test_create_returns_bare_object_with_id(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    new = [
        {
            "summary": "Printer jams",
            "details": "Second floor",
            "tickettype_id": 1,
            "site_id": 18,
            "priority_id": "2",
            "team": "1st line support",
        }
    ]
    answer = await raw.post("/api/Tickets", json=new, headers=headers)
    ticket = answer.json()
    assert answer.status_code == 201
    assert ticket["id"] == max(app.state_store.tickets)
    assert (ticket["site_name"], ticket["client_id"], ticket["team"]) == (
        "Manchester Office",
        1,
        "1st Line Support",
    )
    assert int(ticket["priority_id"]) == 2


async def test_several_elements_answer_an_array(raw: httpx2.AsyncClient, headers: Headers) -> None:
    body = [{"summary": f"Thing {n}", "details": "d", "site_id": 1} for n in range(2)]
    answer = await raw.post("/api/Tickets", json=body, headers=headers)
    assert isinstance(answer.json(), list) and len(answer.json()) == 2


async def test_update_changes_only_fields_sent(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    before = dict(app.state_store.tickets[789])
    answer = await raw.post(
        "/api/Tickets", json=[{"id": 789, "priority_id": 2, "team": "2nd Line Support"}], headers=headers
    )
    after = app.state_store.tickets[789]
    assert answer.status_code == 201
    assert (after["priority_id"], after["team"]) == (2, "2nd Line Support")
    assert {k: after[k] for k in ("summary", "agent_id", "status_id", "user_id")} == {
        k: before[k] for k in ("summary", "agent_id", "status_id", "user_id")
    }


async def test_update_without_id_creates_a_duplicate(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    before = len(app.state_store.tickets)
    await raw.post(
        "/api/Tickets",
        json=[{"summary": "Cannot access email", "details": "x", "site_id": 18}],
        headers=headers,
    )
    assert len(app.state_store.tickets) == before + 1


async def test_unknown_id_is_404_and_nothing_lands(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    body = [{"summary": "ok", "details": "d", "site_id": 1}, {"id": 999999, "summary": "x"}]
    before = len(app.state_store.tickets)
    assert (await raw.post("/api/Tickets", json=body, headers=headers)).status_code == 404
    assert len(app.state_store.tickets) == before


async def test_required_fields_give_halo_style_message(raw: httpx2.AsyncClient, headers: Headers) -> None:
    answer = await raw.post("/api/Tickets", json=[{"tickettype_id": 1, "site_id": 18}], headers=headers)
    assert answer.status_code == 400
    assert answer.json() == "Summary and Details were required"
    user_only = await raw.post(
        "/api/Tickets", json=[{"summary": "s", "details": "d", "user_id": 101}], headers=headers
    )
    assert "Site" in user_only.json()


async def test_bad_values_are_refused(raw: httpx2.AsyncClient, headers: Headers) -> None:
    cases = [
        ({"id": 789, "priority_id": "high"}, "[0].priority_id"),
        ({"id": 789, "team": "Nope"}, "Team"),
        ({"id": 789, "priority_id": 12}, "Priority"),
        ({"id": 789, "agent_id": 12}, "inactive"),
    ]
    for element, expected in cases:
        answer = await raw.post("/api/Tickets", json=[element], headers=headers)
        assert answer.status_code == 400
        assert expected in answer.text


async def test_closing_stamps_dateclosed(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    await raw.post("/api/Tickets", json=[{"id": 790, "status_id": 9}], headers=headers)
    ticket = app.state_store.tickets[790]
    assert ticket["hasbeenclosed"] and ticket["dateclosed"]


async def test_delete_answers_the_deleted_ticket(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    answer = await raw.delete("/api/Tickets/700?reason=duplicate", headers=headers)
    assert answer.json()["id"] == 700
    assert app.state_store.ticket(700) is None
    assert (await raw.delete("/api/Tickets/700", headers=headers)).status_code == 404
