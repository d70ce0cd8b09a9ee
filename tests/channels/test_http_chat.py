"""Chat, confirmations and approvals over HTTP, asserted on Halo's state and the stored sessions."""

from __future__ import annotations

from typing import Any

import httpx2

from halo_agent.examples import DEMO_SECOND_ADMIN_AGENT_ID
from halo_agent.testing import ScriptedModel, call, text
from tests.channels.conftest import ADMIN, EMMA, PORTAL_KEY, Api, MakeApi, auth


def _chat(session: str, message: str, user: dict[str, Any]) -> dict[str, Any]:
    return {"session_id": session, "message": message, "user": user}


def _ticket(api: Api, ticket_id: int) -> dict[str, Any]:
    assert api.service.sandbox is not None
    ticket = api.service.sandbox.state_store.ticket(ticket_id)
    assert ticket is not None
    return ticket


async def test_chat_answers_json_with_every_event_and_the_final_answer(make_api: MakeApi) -> None:
    model = ScriptedModel([[call("haloitsm_get_ticket", ticket_id=789)], text("Ticket 789 is open.")])
    api = await make_api(model)
    response = await api.client.post("/v1/chat", json=_chat("s1", "status of 789?", EMMA), headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] == "Ticket 789 is open." and body["paused"] == [] and body["error"] is None
    kinds = [e["type"] for e in body["events"]]
    assert kinds[0] == "tool_call" and "decision" in kinds and kinds[-1] == "final"
    result = next(e for e in body["events"] if e["type"] == "tool_result")
    assert result["status"] == "ok" and 789 in result["halo_ids"]
    stored = api.service.sessions.get("s1")
    assert stored is not None and stored.principal.email == EMMA["email"]


async def test_chat_streams_the_same_events_as_sse(make_api: MakeApi) -> None:
    model = ScriptedModel([[call("haloitsm_get_ticket", ticket_id=789)], text("Ticket 789 is open.")])
    api = await make_api(model)
    headers = {**auth(PORTAL_KEY), "Accept": "text/event-stream"}
    async with api.client.stream("POST", "/v1/chat", json=_chat("s1", "789?", EMMA), headers=headers) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events: list[tuple[str, Any]] = [(sse.event, sse.json()) async for sse in httpx2.EventSource(r)]
    names = [name for name, _ in events]
    assert names[0] == "tool_call" and names[-2:] == ["final", "done"]
    assert all(data["type"] == name for name, data in events[:-1])  # each event named by its type
    final = events[-2][1]
    assert final["text"] == "Ticket 789 is open." and final["usage"]["tool_calls"] == 1


async def test_confirm_by_button_closes_the_ticket_only_after_yes(make_api: MakeApi) -> None:
    resolve = call("haloitsm_resolve_ticket", ticket_id=790, note="VPN certificate renewed.")
    api = await make_api(ScriptedModel([[resolve], text("Ticket 790 is closed.")]))
    first = (await api.client.post("/v1/chat", json=_chat("c1", "close 790", ADMIN), headers=auth())).json()
    [paused] = first["paused"]
    assert paused["kind"] == "confirmation" and "790" in paused["preview"]
    assert _ticket(api, 790)["status_id"] != 9
    body = {"pending_id": paused["pending_id"], "answer": "yes", "user": ADMIN}
    response = await api.client.post("/v1/sessions/c1/confirm", json=body, headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "Ticket 790 is closed."
    assert _ticket(api, 790)["status_id"] == 9
    again = await api.client.post("/v1/sessions/c1/confirm", json=body, headers=auth())
    assert again.status_code in (403, 409) and again.json()["detail"]


async def test_answering_no_leaves_the_ticket_open(make_api: MakeApi) -> None:
    resolve = call("haloitsm_resolve_ticket", ticket_id=790, note="Fixed.")
    api = await make_api(ScriptedModel([[resolve]]))
    first = (await api.client.post("/v1/chat", json=_chat("c1", "close 790", ADMIN), headers=auth())).json()
    body = {"pending_id": first["paused"][0]["pending_id"], "answer": "no", "user": ADMIN}
    response = await api.client.post("/v1/sessions/c1/confirm", json=body, headers=auth())
    assert response.status_code == 200 and "cancelled" in response.json()["answer"]
    assert _ticket(api, 790)["status_id"] != 9


async def test_another_person_cannot_confirm_my_request(make_api: MakeApi) -> None:
    resolve = call("haloitsm_resolve_ticket", ticket_id=790, note="Fixed.")
    api = await make_api(ScriptedModel([[resolve]]))
    first = (await api.client.post("/v1/chat", json=_chat("c1", "close 790", ADMIN), headers=auth())).json()
    other = {"role": "admin", "agent_id": DEMO_SECOND_ADMIN_AGENT_ID}
    body = {"pending_id": first["paused"][0]["pending_id"], "answer": "yes", "user": other}
    response = await api.client.post("/v1/sessions/c1/confirm", json=body, headers=auth())
    assert response.status_code == 403 and "another user" in response.json()["detail"]
    assert _ticket(api, 790)["status_id"] != 9


async def test_an_approval_is_listed_for_approvers_and_run_once_approved(make_api: MakeApi) -> None:
    critical = call("haloitsm_update_ticket", ticket_id=789, priority="Critical")
    api = await make_api(ScriptedModel([[critical]]))
    first = await api.client.post("/v1/chat", json=_chat("a1", "make 789 critical", ADMIN), headers=auth())
    [paused] = first.json()["paused"]
    assert paused["kind"] == "approval"
    approver = {"role": "admin", "agent_id": DEMO_SECOND_ADMIN_AGENT_ID}
    query = {"role": "admin", "agent_id": str(DEMO_SECOND_ADMIN_AGENT_ID)}
    listed = (await api.client.get("/v1/approvals", params=query, headers=auth())).json()
    assert [p["id"] for p in listed] == [paused["pending_id"]] and listed[0][
        "action"
    ] == "haloitsm_update_ticket"
    own = await api.client.post(
        f"/v1/approvals/{paused['pending_id']}/approve", json={"user": ADMIN}, headers=auth()
    )
    assert own.status_code == 403 and own.json()["detail"]  # never your own request
    approved = await api.client.post(
        f"/v1/approvals/{paused['pending_id']}/approve", json={"user": approver}, headers=auth()
    )
    assert approved.status_code == 200 and approved.json()["status"] == "ok"
    metadata = await api.service.client.metadata()
    ticket = _ticket(api, 789)
    assert metadata.priority_name(ticket["priority_id"], ticket.get("sla_id")) == "Critical"
    twice = await api.client.post(
        f"/v1/approvals/{paused['pending_id']}/approve", json={"user": approver}, headers=auth()
    )
    assert twice.status_code == 409


async def test_a_denied_approval_changes_nothing_and_keeps_the_reason(make_api: MakeApi) -> None:
    critical = call("haloitsm_update_ticket", ticket_id=789, priority="Critical")
    api = await make_api(ScriptedModel([[critical]]))
    first = await api.client.post("/v1/chat", json=_chat("a1", "make 789 critical", ADMIN), headers=auth())
    pending_id = first.json()["paused"][0]["pending_id"]
    before = _ticket(api, 789)["priority_id"]
    approver = {"role": "admin", "agent_id": DEMO_SECOND_ADMIN_AGENT_ID}
    denied = await api.client.post(
        f"/v1/approvals/{pending_id}/deny", json={"user": approver, "reason": "not an outage"}, headers=auth()
    )
    assert denied.status_code == 200 and denied.json()["status"] == "refused"
    assert "not an outage" in denied.json()["result"]["reason"]
    assert _ticket(api, 789)["priority_id"] == before
    record = api.service.pending_store.get(pending_id)
    assert record is not None and record.state == "denied"


async def test_health_and_readiness(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    assert set(ready.json()["checks"]) == {"halo", "model", "storage"}
    assert (await api.client.get("/openapi.json")).json()["paths"].keys() >= {
        "/v1/chat", "/v1/sessions/{session_id}/confirm", "/v1/approvals",
        "/v1/approvals/{pending_id}/approve", "/v1/approvals/{pending_id}/deny", "/healthz", "/readyz",
    }  # fmt: skip


async def test_readiness_fails_when_halo_refuses_the_token(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    assert api.service.sandbox is not None
    api.service.sandbox.faults.add(kind="status", status=401, path="/auth/token", times=5)
    api.service.client.auth._token = None  # force a fresh token request
    ready = await api.client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["halo"]["ok"] is False
