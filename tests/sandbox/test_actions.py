"""`/api/Actions`: the outcome rule, hidden notes, new_status and Halo's per-ticket action ids."""

from __future__ import annotations

import httpx2

from halo_agent.sandbox import SandboxApp

Headers = dict[str, str]


async def test_list_is_wrapped_in_actions(raw: httpx2.AsyncClient, headers: Headers) -> None:
    body = (await raw.get("/api/Actions?ticket_id=789", headers=headers)).json()
    assert body["record_count"] == len(body["actions"]) == 2
    public = (await raw.get("/api/Actions?ticket_id=789&excludeprivate=true", headers=headers)).json()
    assert [a["hiddenfromuser"] for a in public["actions"]] == [False]


async def test_ticket_id_is_needed(raw: httpx2.AsyncClient, headers: Headers) -> None:
    assert (await raw.get("/api/Actions", headers=headers)).status_code == 400
    assert (await raw.get("/api/Actions/1?ticket_id=789", headers=headers)).json()["ticket_id"] == 789
    assert (await raw.get("/api/Actions/99?ticket_id=789", headers=headers)).status_code == 404


async def test_outcome_is_mandatory(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    answer = await raw.post("/api/Actions", json=[{"ticket_id": 789, "note": "hi"}], headers=headers)
    assert answer.status_code == 400
    assert answer.json() == "An Outcome must be entered for this Action"
    assert len(app.state_store.actions_for(789)) == 2


async def test_restricted_outcome_is_refused(raw: httpx2.AsyncClient, headers: Headers) -> None:
    answer = await raw.post(
        "/api/Actions", json=[{"ticket_id": 789, "outcome_id": 7, "note": "x"}], headers=headers
    )
    assert answer.json() == "You do not have access to this Action at the moment"


async def test_hidden_note_lands_hidden(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    body = [{"ticket_id": 789, "note": "checked logs", "outcome": "Public Note", "hiddenfromuser": True}]
    answer = await raw.post("/api/Actions", json=body, headers=headers)
    action = answer.json()
    assert answer.status_code == 201 and action["id"] == 3 and action["hiddenfromuser"] is True
    assert app.state_store.actions_for(789)[-1]["note"] == "checked logs"


async def test_visibility_defaults_to_the_outcome(raw: httpx2.AsyncClient, headers: Headers) -> None:
    answer = await raw.post(
        "/api/Actions", json=[{"ticket_id": 789, "note": "n", "outcome": "private note"}], headers=headers
    )
    assert answer.json()["hiddenfromuser"] is True


async def test_new_status_closes_the_ticket(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    body = [
        {
            "ticket_id": 790,
            "note": "VPN certificate renewed",
            "outcome": "Resolved",
            "hiddenfromuser": False,
            "new_status": 9,
        }
    ]
    await raw.post("/api/Actions", json=body, headers=headers)
    ticket = app.state_store.ticket(790)
    assert (
        ticket is not None and ticket["status_id"] == 9 and ticket["hasbeenclosed"] and ticket["dateclosed"]
    )


async def test_bad_bodies_are_refused(raw: httpx2.AsyncClient, headers: Headers) -> None:
    assert (
        await raw.post("/api/Actions", json={"ticket_id": 789, "outcome": "Public Note"}, headers=headers)
    ).status_code == 400
    assert (
        await raw.post("/api/Actions", json=[{"note": "x", "outcome": "Public Note"}], headers=headers)
    ).status_code == 400
    assert (
        await raw.post("/api/Actions", json=[{"ticket_id": 1, "outcome": "Public Note"}], headers=headers)
    ).status_code == 404


async def test_several_notes_answer_an_array(raw: httpx2.AsyncClient, headers: Headers) -> None:
    body = [{"ticket_id": 789, "note": str(n), "outcome_id": 2} for n in range(2)]
    answer = (await raw.post("/api/Actions", json=body, headers=headers)).json()
    assert [a["id"] for a in answer] == [3, 4]
