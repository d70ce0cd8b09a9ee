"""Lists in every shape Halo may send, paging, filters on the wire, tolerant models."""

from __future__ import annotations

import tracemalloc
from typing import Any

import httpx2
import pytest

from halo_agent.halo.errors import HaloNotFoundError, HaloUnexpectedResponse
from halo_agent.halo.models import Priority, Ticket
from halo_agent.halo.queries import TicketQuery
from tests.halo.fakes import FakeHalo, ok


def paged_tickets(total: int) -> Any:
    def handler(request: httpx2.Request) -> httpx2.Response:
        q = request.url.params
        if q.get("pageinate") != "true":
            return ok({"record_count": total, "tickets": [{"id": i} for i in range(1, min(total, 50) + 1)]})
        size, page = int(q["page_size"]), int(q["page_no"])
        first = (page - 1) * size + 1
        rows = [
            {"id": i, "summary": f"t{i}", "details": "x" * 500}
            for i in range(first, min(total, first + size - 1) + 1)
        ]
        return ok({"record_count": total, "tickets": rows})

    return handler


async def test_iter_tickets_walks_pages_of_100_to_record_count() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Tickets", paged_tickets(250))
    async with fake.client() as client:
        ids = [t.id async for t in client.iter_tickets(TicketQuery(open_only=True))]
    assert ids == list(range(1, 251))
    pages = fake.calls("GET", "/api/Tickets")
    assert [p.url.params["page_no"] for p in pages] == ["1", "2", "3"]
    assert {p.url.params["page_size"] for p in pages} == {"100"}
    assert all(p.url.params["open_only"] == "true" for p in pages)


async def test_iter_tickets_limit_stops_early() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Tickets", paged_tickets(10_000))
    async with fake.client() as client:
        ids = [t.id async for t in client.iter_tickets(TicketQuery(), limit=150)]
    assert ids == list(range(1, 151)) and len(fake.calls("GET", "/api/Tickets")) == 2


async def test_iter_tickets_memory_stays_flat() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Tickets", paged_tickets(3000))
    async with fake.client() as client:
        tracemalloc.start()
        count = 0
        async for _ in client.iter_tickets(TicketQuery()):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == 3000
    assert peak < 3_000_000  # all 3000 rows held at once would take several times this


async def test_a_list_that_ignores_paging_is_not_walked_forever() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Tickets", [{"id": i} for i in range(1, 101)])  # the same 100, every page
    async with fake.client() as client:
        ids = [t.id async for t in client.iter_tickets(TicketQuery())]
    assert ids == list(range(1, 101))


def test_ticket_query_uses_halos_filter_names() -> None:
    query = TicketQuery(
        status_ids=[1, 2],
        agent_ids=[6],
        team_ids=[3],
        requesttype_ids=[1],
        priority_ids=[2, 4],
        client_id=12,
        site_id=18,
        user_id=7,
        search="email",
        order="id",
        orderdesc=True,
        closed_only=False,
    )
    assert query.to_params() == {
        "status": "1,2",
        "agent": "6",
        "agent_id": "6",
        "team": "3",
        "requesttype": "1",
        "requesttype_id": "1",
        "priority": "2,4",
        "search": "email",
        "client_id": "12",
        "site_id": "18",
        "user_id": "7",
        "order": "id",
        "orderdesc": "true",
    }


@pytest.mark.parametrize(
    "payload",
    [
        [{"id": 1, "name": "1st Line Support"}],
        {"teams": [{"id": 1, "name": "1st Line Support"}]},
        {"record_count": 1, "sections": [{"id": 1, "name": "1st Line Support"}]},
        {"something_new": [{"id": 1, "name": "1st Line Support"}]},
    ],
)
async def test_metadata_lists_read_bare_arrays_and_any_wrapper(payload: Any) -> None:
    fake = FakeHalo()
    for path in ("TicketType", "Status", "Priority", "Outcome"):
        fake.route("GET", f"/api/{path}", payload if path == "Priority" else [])
    fake.route("GET", "/api/Team", payload)
    async with fake.client() as client:
        meta = await client.metadata()
    assert [t.name for t in meta.teams] == ["1st Line Support"]
    assert [p.name for p in meta.priorities] == ["1st Line Support"]


@pytest.mark.parametrize("key", ["articles", "kbarticles"])
async def test_kb_reads_either_wrapper_key(key: str) -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/KBArticle", {"record_count": 40, key: [{"id": 3, "name": "Reset MFA"}]})
    async with fake.client() as client:
        page = await client.search_kb("mfa")
    assert [a.name for a in page.items] == ["Reset MFA"] and page.total == 40 and page.more
    (call,) = fake.calls("GET", "/api/KBArticle")
    assert call.url.params["search"] == "mfa" and call.url.params["page_size"] == "5"


def test_models_accept_strings_nulls_missing_and_unknown_fields() -> None:
    ticket = Ticket.model_validate(
        {
            "id": "789",
            "priority_id": "1",
            "status_id": 2.0,
            "agent_id": None,
            "team": 5,
            "hasbeenclosed": "False",
            "customfields": [{"id": 1}],
            "sla_id": "",
        }
    )
    assert (ticket.id, ticket.priority_id, ticket.status_id, ticket.agent_id) == (789, 1, 2, None)
    assert ticket.team == "5" and ticket.hasbeenclosed is False and ticket.sla_id is None
    assert ticket.model_extra == {"customfields": [{"id": 1}]}
    assert Priority.model_validate({"priorityid": "3", "slaid": 1, "name": "Medium"}).id == 3


async def test_get_ticket_404_names_the_ticket() -> None:
    fake = FakeHalo()
    async with fake.client() as client:
        with pytest.raises(HaloNotFoundError, match="Ticket #4242 was not found"):
            await client.get_ticket(4242)


async def test_non_json_answer_is_unexpected() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Tickets/1", lambda r: httpx2.Response(200, text="<html>login</html>"))
    async with fake.client() as client:
        with pytest.raises(HaloUnexpectedResponse, match="not JSON"):
            await client.get_ticket(1)


async def test_find_user_by_email_matches_exactly() -> None:
    fake = FakeHalo()
    fake.route(
        "GET",
        "/api/Users",
        {
            "users": [
                {"id": 1, "name": "Emma H", "emailaddress": "emma.hart@example.com.au"},
                {"id": 2, "name": "Emma Hart", "emailaddress": "Emma.Hart@example.com"},
            ]
        },
    )
    async with fake.client() as client:
        user = await client.find_user_by_email("emma.hart@example.com")
        nobody = await client.find_user_by_email("nobody@example.com")
    assert user is not None and user.id == 2 and nobody is None
