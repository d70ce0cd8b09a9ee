"""Creates and notes are never duplicated after a lost answer; updates need an id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from halo_agent.halo.errors import HaloUnavailableError, HaloValidationError, HaloWriteUncertainError
from halo_agent.halo.queries import TicketWrite
from tests.halo.fakes import FakeClock, FakeHalo, body_of, ok, raiser, status


def now() -> str:
    """When the fake Halo stores a write: the moment of the call (a time taken at import is minutes old
    by the time a long suite reaches these tests, outside the client's clock-skew window)."""
    return datetime.now(UTC).isoformat()


class TicketStore:
    """Just enough of /Tickets: POST array upsert, GET list (search ignored: the client must filter)."""

    def __init__(self, fake: FakeHalo) -> None:
        self.tickets: dict[int, dict[str, Any]] = {
            5: {"id": 5, "summary": "Printer jam", "user_id": 3, "dateoccurred": "2020-01-01T09:00:00Z"},
        }
        fake.route("POST", "/api/Tickets", self.post)
        fake.route(
            "GET",
            "/api/Tickets",
            lambda r: ok({"record_count": len(self.tickets), "tickets": list(self.tickets.values())}),
        )

    def post(self, request: httpx2.Request) -> httpx2.Response:
        (row,) = body_of(request)
        if "id" in row:
            self.tickets[row["id"]].update(row)
            return ok(self.tickets[row["id"]])
        new = {**row, "id": max(self.tickets) + 1, "dateoccurred": now()}
        self.tickets[new["id"]] = new
        return ok(new)

    def commit_then(self, failure: type[Exception]) -> Any:
        def handler(request: httpx2.Request) -> httpx2.Response:
            self.post(request)
            raise failure("lost", request=request)  # type: ignore[call-arg]

        return handler


NEW = TicketWrite(summary="Printer jam", details="Tray 2 jams on every job", user_id=3, site_id=18)


@pytest.mark.parametrize("failure", [httpx2.ReadTimeout, httpx2.RemoteProtocolError, httpx2.ReadError])
async def test_create_that_committed_before_the_answer_was_lost_is_found_not_resent(
    failure: type[Exception],
) -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", store.commit_then(failure))
    async with fake.client() as client:
        ticket = await client.create_ticket(NEW)
    assert len(fake.calls("POST", "/api/Tickets")) == 1
    assert [t["summary"] for t in store.tickets.values()].count("Printer jam") == 2  # the old one + ours
    assert ticket.id == 6 and ticket.details == "Tray 2 jams on every job"


async def test_create_that_did_not_land_is_never_sent_again_and_is_reported_unknown() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", raiser(httpx2.ReadTimeout))
    clock = FakeClock()
    async with fake.client(clock) as client:
        with pytest.raises(HaloWriteUncertainError) as caught:
            await client.create_ticket(NEW)
    assert len(fake.calls("POST", "/api/Tickets")) == 1 and len(store.tickets) == 1
    assert clock.sleeps == [1.0, 2.0, 3.0, 4.0]  # a bounded window for a late commit
    words = str(caught.value)
    assert "I looked 5 time(s) over 10 s at tickets numbered above #5" in words
    assert "did not send it again" in words and 'Search Halo for "Printer jam"' in words


async def test_an_earlier_identical_ticket_is_never_taken_for_a_lost_one() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    # Made a moment ago, with a zone-less date as Halo writes them: only its id tells it apart.
    store.tickets[5] |= {"details": NEW.details, "site_id": 18, "dateoccurred": now()[:19]}
    fake.fault("POST", "/api/Tickets", status(502))
    async with fake.client() as client:
        with pytest.raises(HaloWriteUncertainError, match="did not find it"):
            await client.create_ticket(NEW)
    assert len(store.tickets) == 1


async def test_a_create_that_halo_commits_late_is_found_by_a_later_look() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    held: list[httpx2.Request] = []

    def hold(request: httpx2.Request) -> httpx2.Response:
        held.append(request)
        raise httpx2.ReadTimeout("lost", request=request)

    def listing(request: httpx2.Request) -> httpx2.Response:
        if len(fake.calls("GET", "/api/Tickets")) == 4 and held:  # commits before the third look
            store.post(held.pop())
        return ok({"record_count": len(store.tickets), "tickets": list(store.tickets.values())})

    fake.fault("POST", "/api/Tickets", hold)
    fake.route("GET", "/api/Tickets", listing)
    async with fake.client() as client:
        ticket = await client.create_ticket(NEW)
    assert ticket.id == 6 and len(store.tickets) == 2 and len(fake.calls("POST", "/api/Tickets")) == 1


async def test_a_500_on_a_create_is_a_failure_after_one_look() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", status(500))
    async with fake.client() as client:
        with pytest.raises(HaloUnavailableError, match="internal error"):
            await client.create_ticket(NEW)
    assert len(store.tickets) == 1 and len(fake.calls("GET", "/api/Tickets")) == 2  # floor, one look


async def test_a_500_after_halo_committed_is_reported_as_the_success_it_was() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)

    def commit_then_500(request: httpx2.Request) -> httpx2.Response:
        store.post(request)
        return httpx2.Response(500, text="An error has occurred.")

    fake.fault("POST", "/api/Tickets", commit_then_500)
    async with fake.client() as client:
        ticket = await client.create_ticket(NEW)
    assert ticket.id == 6 and len(store.tickets) == 2


async def test_create_gateway_timeout_is_checked_before_resending() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)

    def commit_then_504(request: httpx2.Request) -> httpx2.Response:
        store.post(request)
        return httpx2.Response(504)

    fake.fault("POST", "/api/Tickets", commit_then_504)
    async with fake.client() as client:
        await client.create_ticket(NEW)
    assert len(store.tickets) == 2 and len(fake.calls("POST", "/api/Tickets")) == 1


async def test_create_that_cannot_be_checked_says_it_may_have_landed() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", store.commit_then(httpx2.ReadTimeout))
    listing = fake.routes[("GET", "/api/tickets")]
    fake.fault("GET", "/api/Tickets", listing, *[status(403)] * 5)  # the floor read, then every look
    async with fake.client() as client:
        with pytest.raises(HaloWriteUncertainError, match="may still commit") as caught:
            await client.create_ticket(NEW)
    assert "Printer jam" in str(caught.value) and "5 of the look-ups failed" in str(caught.value)
    assert len(fake.calls("POST", "/api/Tickets")) == 1


async def test_create_whose_connection_is_refused_fails_at_once_and_never_looks_for_it() -> None:
    """Nothing was sent, so nothing can have landed; and a refused connection is refused again at once."""
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", raiser(httpx2.ConnectError))
    async with fake.client() as client:
        with pytest.raises(HaloUnavailableError, match="Cannot reach Halo"):
            await client.create_ticket(NEW)
    assert len(store.tickets) == 1 and len(fake.calls("POST", "/api/Tickets")) == 1
    assert len(fake.calls("GET", "/api/Tickets")) == 1  # the floor read before the write; no look after


async def test_create_whose_connection_timed_out_was_never_sent_so_it_is_retried_plainly() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", raiser(httpx2.ConnectTimeout))
    async with fake.client() as client:
        await client.create_ticket(NEW)
    assert len(store.tickets) == 2 and len(fake.calls("GET", "/api/Tickets")) == 1  # the floor, no look


async def test_create_sends_an_array_of_only_the_fields_set() -> None:
    fake = FakeHalo()
    TicketStore(fake)
    async with fake.client() as client:
        await client.create_ticket(TicketWrite(summary="VPN down", tickettype_id=1))
    (post,) = fake.calls("POST", "/api/Tickets")
    assert body_of(post) == [{"summary": "VPN down", "tickettype_id": 1}]


async def test_update_sends_id_and_only_given_fields_and_may_be_retried() -> None:
    fake = FakeHalo()
    store = TicketStore(fake)
    fake.fault("POST", "/api/Tickets", store.commit_then(httpx2.ReadTimeout))
    async with fake.client() as client:
        ticket = await client.update_ticket(5, TicketWrite(agent_id=6))
    posts = fake.calls("POST", "/api/Tickets")
    assert [body_of(p) for p in posts] == [[{"agent_id": 6, "id": 5}]] * 2
    assert ticket.agent_id == 6 and len(store.tickets) == 1


@pytest.mark.parametrize("bad_id", [0, -1, None])
async def test_update_refuses_to_send_without_an_id(bad_id: Any) -> None:
    fake = FakeHalo()
    TicketStore(fake)
    async with fake.client() as client:
        with pytest.raises(ValueError, match="without a valid id"):
            await client.update_ticket(bad_id, TicketWrite(status_id=9))
    assert fake.calls("POST", "/api/Tickets") == []


class ActionStore:
    def __init__(self, fake: FakeHalo) -> None:
        self.actions: list[dict[str, Any]] = [
            {
                "id": 1,
                "ticket_id": 789,
                "note": "Restarted Outlook",
                "hiddenfromuser": False,
                "datetime": "2020-01-01T09:00:00",
            },
        ]
        fake.route("POST", "/api/Actions", self.post)
        fake.route("GET", "/api/Actions", lambda r: ok({"actions": self.actions}))
        fake.route(
            "GET", "/api/Outcome", [{"id": 1, "outcome": "Phone Call"}, {"id": 2, "outcome": "Private Note"}]
        )
        for path in ("TicketType", "Status", "Priority", "Team"):
            fake.route("GET", f"/api/{path}", [])

    def post(self, request: httpx2.Request) -> httpx2.Response:
        (row,) = body_of(request)
        if not row.get("outcome"):
            return httpx2.Response(400, json="An Outcome must be entered for this Action")
        new = {**row, "id": len(self.actions) + 1, "datetime": now(), "note": f"<p>{row['note']}</p>"}
        self.actions.append(new)
        return ok(new)


async def test_note_uses_a_discovered_outcome_and_hiddenfromuser() -> None:
    fake = FakeHalo()
    ActionStore(fake)
    async with fake.client() as client:
        action = await client.add_note(789, "Mailbox rebuilt", hidden_from_user=True, new_status=2)
    (post,) = fake.calls("POST", "/api/Actions")
    assert body_of(post) == [
        {
            "ticket_id": 789,
            "note": "Mailbox rebuilt",
            "hiddenfromuser": True,
            "outcome": "Private Note",
            "new_status": 2,
        }
    ]
    assert action.id == 2


async def test_note_whose_answer_was_lost_is_found_by_its_text() -> None:
    fake = FakeHalo()
    store = ActionStore(fake)

    def commit_then_timeout(request: httpx2.Request) -> httpx2.Response:
        store.post(request)
        raise httpx2.ReadTimeout("lost", request=request)

    fake.fault("POST", "/api/Actions", commit_then_timeout)
    async with fake.client(note_outcome="Phone Call") as client:
        action = await client.add_note(789, "Mailbox   rebuilt", hidden_from_user=False)
    assert action.id == 2 and len(store.actions) == 2
    assert len(fake.calls("POST", "/api/Actions")) == 1
    assert fake.calls("GET", "/api/Outcome") == []  # the configured outcome needs no discovery


async def test_missing_outcome_error_tells_the_admin_what_to_set() -> None:
    fake = FakeHalo()
    ActionStore(fake)
    fake.route("GET", "/api/Outcome", [])
    async with fake.client() as client:
        with pytest.raises(HaloValidationError, match="HALO_OUTCOME"):
            await client.add_note(789, "hello", hidden_from_user=True)
