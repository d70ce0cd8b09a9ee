"""The client against the embedded sandbox, in-process: filters by effect, paging, writes, every fault."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from halo_agent.halo.client import HaloClient
from halo_agent.halo.errors import HaloAuthError, HaloNotFoundError, HaloPermissionError, HaloRateLimitedError
from halo_agent.halo.queries import TicketQuery, TicketWrite
from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app, sandbox_client
from tests.halo.fakes import FakeClock


@pytest.fixture
def app() -> SandboxApp:
    return create_app(SandboxConfig())


@pytest.fixture
async def client(app: SandboxApp) -> AsyncIterator[HaloClient]:
    async with sandbox_client(app, retry=FakeClock().policy()) as halo:
        yield halo


async def _all(client: HaloClient, query: TicketQuery) -> list[Any]:
    return [t async for t in client.iter_tickets(query)]


async def test_filters_select_what_they_say(client: HaloClient, app: SandboxApp) -> None:
    meta = await client.metadata()
    incident = meta.ticket_type("incident")[0].id
    mine = await _all(client, TicketQuery(agent_ids=[6], open_only=True, requesttype_ids=[incident]))
    assert len(mine) >= 5
    # (the sandbox counts "Resolved" as open for open_only; the contract counts it closed: only Closed here)
    assert all(
        t.agent_id == 6 and t.tickettype_id == incident and t.status_id != meta.closed_status_id for t in mine
    )
    closed = await _all(client, TicketQuery(closed_only=True))
    assert closed and all(meta.is_closed(t.status_id) for t in closed)
    everything = await _all(client, TicketQuery())
    assert len(everything) == len(app.state_store.tickets) > len(closed) + len(mine)


async def test_user_and_search_filters(client: HaloClient) -> None:
    emma = await client.find_user_by_email("emma.hart@example.com")
    assert emma is not None
    hers = await _all(client, TicketQuery(user_id=emma.id, open_only=True))
    assert {t.user_id for t in hers} == {emma.id} and len(hers) >= 3 and 789 in {t.id for t in hers}
    found = await client.list_tickets(TicketQuery(search="email", user_id=emma.id))
    assert [t.id for t in found.items] == [789]


async def test_paging_walks_every_ticket_once(client: HaloClient, app: SandboxApp) -> None:
    ids = [t.id for t in await _all(client, TicketQuery())]
    assert sorted(ids) == sorted(app.state_store.tickets) and len(set(ids)) == len(ids)
    first = await client.list_tickets(TicketQuery(), page_size=25)
    assert len(first.items) == 25 and first.total == len(ids) and first.more


async def test_create_update_note_round_trip(client: HaloClient, app: SandboxApp) -> None:
    meta = await client.metadata()
    created = await client.create_ticket(
        TicketWrite(
            summary="Laptop fan loud",
            details="Since Monday",
            tickettype_id=meta.ticket_type("Incident")[0].id,
            site_id=18,
        )
    )
    assert app.state_store.ticket(created.id) is not None
    updated = await client.update_ticket(created.id, TicketWrite(agent_id=6))
    assert updated.agent_id == 6 and app.state_store.ticket(created.id)["summary"] == "Laptop fan loud"
    closed_id = meta.closed_status_id
    note = await client.add_note(created.id, "Fan replaced", hidden_from_user=False, new_status=closed_id)
    assert note.hiddenfromuser is False
    assert (await client.get_ticket(created.id)).status_id == closed_id
    assert [a.note for a in await client.list_notes(created.id)][-1] == "Fan replaced"


async def test_commit_then_timeout_on_create_leaves_no_duplicate(client: HaloClient, app: SandboxApp) -> None:
    before = len(app.state_store.tickets)
    app.faults.add(kind="commit_then_timeout", method="POST", path="/api/Tickets")
    ticket = await client.create_ticket(TicketWrite(summary="Monitor flickers", details="Desk 4", site_id=18))
    assert len(app.state_store.tickets) == before + 1
    assert [t["summary"] for t in app.state_store.tickets.values()].count("Monitor flickers") == 1
    assert app.state_store.ticket(ticket.id)["summary"] == "Monitor flickers"


async def test_commit_then_timeout_on_note_leaves_one_note(client: HaloClient, app: SandboxApp) -> None:
    before = len(app.state_store.actions_for(790))
    app.faults.add(kind="commit_then_timeout", method="POST", path="/api/Actions")
    await client.add_note(790, "Checked the VPN profile", hidden_from_user=True)
    notes = [a.get("note") for a in app.state_store.actions_for(790)]
    assert len(notes) == before + 1 and notes.count("Checked the VPN profile") == 1


async def test_dropped_connection_on_read_is_retried(client: HaloClient, app: SandboxApp) -> None:
    app.faults.add(kind="drop", times=2, method="GET", path="/api/Tickets")
    assert (await client.get_ticket(789)).id == 789


@pytest.mark.parametrize("retry_after", [None, "3"])
async def test_rate_limit_is_retried_honouring_retry_after(app: SandboxApp, retry_after: str | None) -> None:
    clock = FakeClock()
    app.faults.add(
        kind="status", status=429, times=2, method="GET", path="/api/Tickets", retry_after=retry_after
    )
    async with sandbox_client(app, retry=clock.policy()) as client:
        assert (await client.get_ticket(789)).id == 789
    assert len(clock.sleeps) == 2
    assert (clock.sleeps == [3.0, 3.0]) is (retry_after == "3")


async def test_rate_limit_that_persists_is_reported(app: SandboxApp, client: HaloClient) -> None:
    app.faults.add(kind="status", status=429, times=None, method="GET", path="/api/Tickets")
    with pytest.raises(HaloRateLimitedError, match="300 Requests"):
        await client.get_ticket(789)


async def test_5xx_gateway_errors_are_retried(client: HaloClient, app: SandboxApp) -> None:
    app.faults.add(kind="status", status=503, times=1, method="GET", path="/api/Status")
    app.faults.add(kind="status", status=502, times=1, method="GET", path="/api/TicketType")
    assert (await client.metadata()).statuses


async def test_expired_tokens_under_20_concurrent_calls_renew_once(
    client: HaloClient, app: SandboxApp
) -> None:
    await client.get_ticket(789)
    app.faults.expire_tokens()
    with client.stats.scope() as turn:
        results = await asyncio.gather(*(client.get_ticket(789) for _ in range(20)))
    assert {t.id for t in results} == {789}
    assert client.stats.token_calls == 2 and turn.token_calls == 1


async def test_latency_is_tolerated(client: HaloClient, app: SandboxApp) -> None:
    app.faults.add(kind="latency", seconds=0.05, times=1)
    assert (await client.get_ticket(790)).id == 790


async def test_unknown_ticket_is_not_found(client: HaloClient) -> None:
    with pytest.raises(HaloNotFoundError):
        await client.get_ticket(999_999)


async def test_hosted_sandbox_needs_the_right_tenant() -> None:
    app = create_app(SandboxConfig(tenant="acme"))
    async with sandbox_client(app) as good:
        assert (await good.get_ticket(789)).id == 789
        assert await good.instance_kind() == "hosted"
    async with sandbox_client(app, tenant="wrong", retry=FakeClock().policy()) as bad:
        with pytest.raises(HaloAuthError, match="tenant"):
            await bad.get_ticket(789)


async def test_bad_secret_is_named(app: SandboxApp) -> None:
    async with sandbox_client(app, client_secret="nope") as client:
        with pytest.raises(HaloAuthError, match="client id or secret"):
            await client.get_ticket(789)


async def test_read_only_scope_cannot_write_and_says_which_scope(app: SandboxApp) -> None:
    async with sandbox_client(app, scope="read:tickets") as client:
        assert (await client.get_ticket(789)).id == 789
        with pytest.raises(HaloPermissionError, match="edit:tickets"):
            await client.update_ticket(789, TicketWrite(agent_id=6))


async def test_metadata_is_cached_and_shared(client: HaloClient) -> None:
    with client.stats.scope() as cold:
        first = await asyncio.gather(*(client.metadata() for _ in range(5)))
    with client.stats.scope() as warm:
        await client.metadata()
    assert all(m is first[0] for m in first)
    assert cold.api_calls == 5 + 1  # five kinds, plus /api/authinfo before the first token
    assert cold.token_calls == 1
    assert warm.api_calls == 0 and warm.token_calls == 0


async def test_agent_directory_is_complete_cached_and_forgettable(
    client: HaloClient, app: SandboxApp
) -> None:
    await client.metadata()  # token and authinfo out of the way
    with client.stats.scope() as cold:
        first = await asyncio.gather(*(client.agents() for _ in range(5)))
    with client.stats.scope() as warm:
        await client.agents()
    assert cold.api_calls == 1 and warm.api_calls == 0
    assert {a.id for a in first[0]} == {int(a["id"]) for a in app.state_store.lookups["agents"]}
    client.forget_metadata()
    with client.stats.scope() as again:
        await client.agents()
    assert again.api_calls == 1


async def test_latest_notes_are_found_on_a_ticket_with_more_than_a_page_of_them(client: HaloClient) -> None:
    for number in range(130):
        await client.add_note(790, f"progress update {number}", hidden_from_user=False)
    with client.stats.scope() as calls:
        latest = await client.list_notes(790, limit=3)
    assert [note.note for note in latest] == [f"progress update {n}" for n in (127, 128, 129)]
    assert calls.api_calls >= 2  # more than one page was read
