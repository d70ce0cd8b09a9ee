"""Name resolution, closed-status discovery, outcomes, per-scope counting, and error messages."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from halo_agent.errors import HaloAgentError
from halo_agent.halo.errors import HaloError, HaloPermissionError, HaloValidationError, error_for_response
from halo_agent.halo.models import InstanceMetadata
from tests.halo.fakes import FakeClock, FakeHalo


def meta(**lists: Any) -> InstanceMetadata:
    return InstanceMetadata.model_validate(lists)


def test_names_resolve_case_insensitively_exact_before_prefix() -> None:
    m = meta(
        teams=[
            {"id": 1, "name": "1st Line Support"},
            {"id": 2, "name": "1st Line Support EMEA"},
            {"id": 3, "name": "2nd Line Support"},
        ]
    )
    assert [t.id for t in m.team("1ST LINE support")] == [1]
    assert [t.id for t in m.team("1st")] == [1, 2]  # ambiguous: both offered
    assert m.team("Networks") == []


def test_priorities_resolve_within_an_sla() -> None:
    m = meta(
        priorities=[
            {"priorityid": 1, "slaid": 1, "name": "Critical"},
            {"priorityid": 11, "slaid": 2, "name": "Critical"},
        ]
    )
    assert [p.number for p in m.priority("critical", sla_id=2)] == [11]
    assert m.priority_name(11, sla_id=2) == "Critical" and m.priority_name(99) is None


@pytest.mark.parametrize(
    ("statuses", "closed"),
    [
        ([{"id": 1, "name": "New"}, {"id": 9, "name": "Closed"}], {9}),
        ([{"id": 1, "name": "New"}, {"id": 4, "name": "Closed"}, {"id": 9, "name": "In Progress"}], {4}),
        (
            [
                {"id": 1, "name": "Open", "type": "0"},
                {"id": 7, "name": "Closed", "type": "4"},
                {"id": 12, "name": "Archived", "type": "4"},
            ],
            {7, 12},
        ),
        ([{"id": 1, "name": "New", "type": "0"}, {"id": 7, "name": "Closed", "type": "0"}], {7}),
        ([{"id": 2, "name": "Geschlossen", "type": "Closed"}], {2}),
        ([{"id": 1, "name": "Neu"}, {"id": 9, "name": "Geschlossen"}], {9}),
        ([{"id": 1, "name": "Neu"}], set()),
    ],
)
def test_closed_statuses_are_discovered_not_assumed(statuses: list[dict[str, Any]], closed: set[int]) -> None:
    assert meta(statuses=statuses).closed_status_ids == closed


def test_note_outcome_prefers_configured_then_note_names() -> None:
    outcomes = [
        {"id": 1, "outcome": "Phone Call"},
        {"id": 2, "outcome": "Public Note"},
        {"id": 3, "outcome": "Private Note"},
    ]
    assert meta(outcomes=outcomes).outcome_for(hidden=True) == "Private Note"
    assert meta(outcomes=outcomes).outcome_for(hidden=False) == "Public Note"
    assert meta(outcomes=outcomes, configured_outcome="Phone Call").outcome_for(hidden=True) == "Phone Call"
    assert meta(outcomes=[{"id": 5, "name": "Update"}]).default_outcome_name == "Update"
    assert meta().default_outcome_name is None


async def test_metadata_ttl_refetches_after_expiry_and_outcome_403_is_a_warning() -> None:
    fake, clock = FakeHalo(), FakeClock()
    for path in ("TicketType", "Status", "Priority", "Team"):
        fake.route("GET", f"/api/{path}", [{"id": 1, "name": "x"}])
    fake.route("GET", "/api/Outcome", lambda r: httpx2.Response(403))
    async with fake.client(clock) as client:
        first = await client.metadata()
        clock.advance(301)
        await client.metadata()
    assert len(fake.calls("GET", "/api/Status")) == 2
    assert first.outcomes == [] and "edit" not in first.warnings[0] and "Outcome" in first.warnings[0]


async def test_scoped_counters_do_not_mix_concurrent_sessions() -> None:
    fake = FakeHalo()
    fake.route("GET", "/api/Status", [])
    async with fake.client() as client:
        await client.request_json("GET", "Status")

        async def session(calls: int) -> int:
            with client.stats.scope() as counter:
                await asyncio.gather(*(client.request_json("GET", "Status") for _ in range(calls)))
                await asyncio.sleep(0)
            return counter.api_calls

        assert await asyncio.gather(session(3), session(7)) == [3, 7]
        assert client.stats.api_calls == 1 + 3 + 7 + 1  # plus /api/authinfo


def _answer(status: int, method: str = "GET", path: str = "/api/Tickets", **kw: Any) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request(method, f"https://h.example{path}"), **kw)


def test_400_field_errors_are_parsed() -> None:
    err = error_for_response(
        _answer(400, "POST", json={"[0].id": "Ticket not found", "[0].summary": "Required"}),
        scope_setting="all",
    )
    assert isinstance(err, HaloValidationError)
    assert err.field_errors == {"[0].id": "Ticket not found", "[0].summary": "Required"}
    msg = error_for_response(
        _answer(400, "POST", json="Details and Category were required"), scope_setting="all"
    )
    assert "Details and Category were required" in str(msg)
    problem = {"title": "bad", "errors": {"summary": ["too long", "bad chars"]}}
    nested = error_for_response(_answer(400, json=problem), scope_setting="all")
    assert isinstance(nested, HaloValidationError)
    assert nested.field_errors == {"summary": "too long; bad chars"}


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("POST", "/api/Tickets", "edit:tickets"),
        ("GET", "/api/Users", "read:customers"),
        ("GET", "/api/KBArticle", "read:kb"),
        ("GET", "/api/Agent", "all"),
    ],
)
def test_403_names_the_scope_likely_missing(method: str, path: str, scope: str) -> None:
    err = error_for_response(_answer(403, method, path), scope_setting="read:tickets")
    assert isinstance(err, HaloPermissionError) and scope in str(err) and "read:tickets" in str(err)


def test_every_halo_error_is_a_package_error() -> None:
    assert issubclass(HaloError, HaloAgentError)
