"""The web chat page, end to end in a real headless browser (Debian's chromium driven by Playwright),
against `serve`'s app on loopback with the offline model and the embedded sandbox."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from halo_agent.agent.events import AgentEvent, ToolResultEvent
from halo_agent.channels.web.signin import SignIns
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL, DEMO_SECOND_ADMIN_AGENT_ID
from halo_agent.models.offline import OfflineModel
from halo_agent.principal import Principal
from halo_agent.testing import ScriptedModel, call, text
from tests.channels.conftest import Live, MakeLive

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PAGE_BUDGET_BYTES = 100 * 1024
STATIC = Path(__file__).parents[2] / "halo_agent" / "channels" / "web" / "static"
# The ticket table's columns, in this order, each shown when any row has a value (app.js).
TICKET_COLUMNS = ["id", "summary", "status", "priority", "type", "agent", "team", "user"]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert shutil.which(CHROMIUM), "chromium is missing: apt-get install -y chromium (.ci/run does it)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


async def signed_in(browser: Browser, live: Live, principal: Principal, width: int = 1280) -> Page:
    signins: SignIns = live.app.state.signins
    context: BrowserContext = await browser.new_context(viewport={"width": width, "height": 800})
    page = await context.new_page()
    await page.goto(f"{live.url}/signin?token={signins.issue(principal)}")
    await expect(page.get_by_label("Your request")).to_be_focused()
    return page


async def ask(page: Page, message: str) -> None:
    box = page.get_by_label("Your request")
    await box.fill(message)
    await box.press("Enter")  # the keyboard path: Enter sends


async def test_an_employee_asks_then_closes_her_ticket_with_the_confirm_button(
    browser: Browser, make_live: MakeLive
) -> None:
    live = await make_live(OfflineModel())
    emma = await live.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    page = await signed_in(browser, live, emma)
    await expect(page.locator("#halo")).to_contain_text("sandbox")
    await expect(page.locator("#model")).to_contain_text("offline")
    await ask(page, "What's the status of my ticket 789?")
    answer = page.locator(".log > li:not(.you)").last
    await expect(answer).to_contain_text('Ticket #789 "Cannot access email"')
    await ask(page, "Please close my email ticket — it's working again since this morning")
    await expect(page.get_by_role("group", name="Confirmation needed")).to_contain_text("-> Closed")
    assert _status(live, 789) != 9  # nothing changed before the button
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.locator(".log > li:not(.you)").last).to_contain_text("789")
    assert _status(live, 789) == 9
    await expect(page.get_by_role("button", name="Confirm")).to_be_disabled()


async def test_an_employee_cannot_see_another_persons_ticket(browser: Browser, make_live: MakeLive) -> None:
    live = await make_live(OfflineModel())
    emma = await live.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    page = await signed_in(browser, live, emma)
    await ask(page, "What's the status of ticket 790?")
    answer = page.locator(".log > li:not(.you)").last
    await expect(answer).to_contain_text("not one of your tickets")
    assert "VPN disconnects" not in await page.content()  # Liam's ticket stays unseen


async def test_an_admin_approves_a_colleagues_request_in_the_inbox(
    browser: Browser, make_live: MakeLive
) -> None:
    live = await make_live(OfflineModel())
    alex = await live.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    second = await live.service.resolve_principal("admin", agent_id=DEMO_SECOND_ADMIN_AGENT_ID)
    requester = await signed_in(browser, live, alex)
    await ask(requester, "Raise ticket 789 to Critical")
    await expect(requester.get_by_role("group", name="Approval needed")).to_contain_text("Critical")
    approver = await signed_in(browser, live, second)
    await expect(approver.locator("#approval-count")).to_have_text("1")
    await approver.get_by_role("button", name="Approvals").click()
    await expect(approver.locator("#approvals")).to_contain_text("requested by Alex Morgan")
    await approver.get_by_role("button", name="Approve").click()
    await expect(approver.get_by_role("status")).to_contain_text("Approved: ok")
    assert live.service.sandbox is not None
    metadata = await live.service.client.metadata()
    ticket = live.service.sandbox.state_store.ticket(789)
    assert ticket is not None
    assert metadata.priority_name(ticket["priority_id"], ticket.get("sla_id")) == "Critical"
    await requester.get_by_role("button", name="Approvals").click()  # the requester sees no buttons
    await expect(requester.locator("#approvals-view")).to_contain_text("Nothing is waiting")
    await expect(requester.locator("#chat-view")).to_be_hidden()


async def test_the_page_is_usable_at_phone_width_and_refuses_strangers(
    browser: Browser, make_live: MakeLive
) -> None:
    live = await make_live(OfflineModel())
    emma = await live.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    page = await signed_in(browser, live, emma, width=390)
    await ask(page, "What's the status of my ticket 789?")
    await expect(page.locator(".log > li:not(.you)").last).to_contain_text("Cannot access email")
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390  # nothing wider than the phone
    send = await page.get_by_role("button", name="Send").bounding_box()
    assert send is not None and send["height"] >= 44  # a comfortable touch target
    stranger = await (await browser.new_context()).new_page()
    await stranger.goto(live.url)
    await expect(stranger.get_by_role("heading", name="Not signed in")).to_be_visible()


async def test_the_sign_in_link_works_once_and_posts_need_the_page(make_live: MakeLive) -> None:
    live = await make_live(OfflineModel())
    emma = await live.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    token = live.app.state.signins.issue(emma)
    async with httpx2.AsyncClient(base_url=live.url) as client:
        first = await client.get(f"/signin?token={token}")
        assert first.status_code == 303 and "httponly" in first.headers["set-cookie"].lower()
        assert "samesite=strict" in first.headers["set-cookie"].lower()
        assert (await client.get(f"/signin?token={token}")).status_code == 401  # spent
        assert (await client.get("/web/me")).json()["name"] == "Emma Hart (employee)"
        forged = await client.post("/web/chat", json={"conversation": "c1", "message": "hi"})
        assert forged.status_code == 403  # no X-Halo-Web header: not the page
    async with httpx2.AsyncClient(base_url=live.url) as stranger:
        assert (await stranger.get("/web/me")).status_code == 401


async def test_a_message_from_the_page_that_is_not_text_is_refused_before_any_turn(
    make_live: MakeLive,
) -> None:
    model = ScriptedModel([])
    live = await make_live(model)
    emma = await live.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    async with httpx2.AsyncClient(base_url=live.url) as client:
        await client.get(f"/signin?token={live.app.state.signins.issue(emma)}")
        headers = {"X-Halo-Web": "1", "Content-Type": "application/json"}
        response = await client.post("/web/chat", headers=headers,
                                     content=b'{"conversation": "c1", "message": "hi \\ud800"}')  # fmt: skip
    assert response.status_code == 422
    assert response.json()["detail"] == "body.message: character 4 is a lone surrogate, not text"
    assert model.requests == [] and live.service.audit.tail(5) == []


async def test_page_weight_is_under_100_kb() -> None:
    weight = sum(path.stat().st_size for path in STATIC.iterdir())
    assert weight < PAGE_BUDGET_BYTES, f"the page weighs {weight} bytes"


async def test_a_list_answer_in_markdown_is_shown_as_a_table_between_its_sentences(
    browser: Browser, make_live: MakeLive, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = await make_live(OfflineModel())
    events = _recorded(live, monkeypatch)
    alex = await live.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    page = await signed_in(browser, live, alex)
    await ask(page, "list open incidents for agent 6")
    answer = page.locator(".log > li:not(.you)").last
    table = answer.get_by_role("region", name="Table")
    await expect(table).to_be_visible()
    assert await table.locator("thead th").all_inner_texts() == ["#", "Summary", "Status", "Priority", "Team",
                                                                  "Agent"]  # fmt: skip
    rows = await _cells(table)
    listed = _tickets(events)
    assert [row[0] for row in rows] == [str(ticket["id"]) for ticket in listed[: len(rows)]]  # Halo's order
    assert len(rows) == 10 and all(len(row) == 6 for row in rows)
    for (_, summary, status, priority, team, agent), ticket in zip(rows, listed, strict=False):
        assert [summary, status, priority, team, agent] == [ticket[k] for k in ("summary", "status",
                                                            "priority", "team", "agent")]  # fmt: skip
    prose = await answer.locator(".answer").evaluate(
        "node => [...node.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.data).join('')"
    )
    assert prose.startswith("44 open Incidents") and "Also on this page: #768" in prose
    assert "|" not in prose  # every table line went into the table
    assert await answer.get_by_role("region", name="Tickets").count() == 0  # the answer names them all


async def test_tickets_the_answer_does_not_name_get_a_table_of_their_fields_as_text(
    browser: Browser, make_live: MakeLive, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ScriptedModel([[call("haloitsm_list_tickets", mine=True)], text("Here are your tickets.")])
    live = await make_live(model)
    assert live.service.sandbox is not None
    store = live.service.sandbox.state_store
    hostile = "<img src=x onerror=\"document.title='owned'\"> Outlook & <b>mail</b>"
    for ticket in [t for t in store.tickets.values() if t["user_email"] == DEMO_EMPLOYEE_EMAIL]:
        store.put_ticket({**ticket, "agent_id": None})  # nobody's yet: an empty column, left out
    store.put_ticket({**(store.ticket(789) or {}), "summary": hostile})
    events = _recorded(live, monkeypatch)
    emma = await live.service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    page = await signed_in(browser, live, emma)
    await ask(page, "my tickets")
    answer = page.locator(".log > li:not(.you)").last
    table = answer.get_by_role("region", name="Tickets")
    await expect(table).to_be_visible()
    listed = _tickets(events)
    assert len(listed) >= 2 and any(ticket["id"] == 789 for ticket in listed)
    columns = [c for c in TICKET_COLUMNS if any(ticket.get(c) not in (None, "") for ticket in listed)]
    assert "agent" not in columns and "summary" in columns
    assert await table.locator("thead th").all_inner_texts() == columns
    expected = [[_shown(ticket.get(column)) for column in columns] for ticket in listed]
    assert await _cells(table) == expected  # one row per ticket, in the order Halo listed them
    assert [hostile] == [row[columns.index("summary")] for row in expected if row[0] == "789"]
    assert await answer.locator("img, b").count() == 0  # ticket text is shown as text, never as HTML
    assert await page.title() != "owned"


async def test_markdown_cells_keep_escaped_pipes_and_show_markup_as_text(
    browser: Browser, make_live: MakeLive
) -> None:
    answer_text = ("Two of them:\n| Ticket | Note |\n|---|:---:|\n| 789 | pipes \\| kept |\n"
                   "| 790 | <b>bold?</b> |\nAnd laid out by hand:\nA | B | C\nThat is all.")  # fmt: skip
    live = await make_live(ScriptedModel([text(answer_text)]))
    alex = await live.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    page = await signed_in(browser, live, alex)
    await ask(page, "anything")
    answer = page.locator(".log > li:not(.you)").last
    table = answer.get_by_role("region", name="Table")
    await expect(table).to_be_visible()
    assert await table.locator("thead th").all_inner_texts() == ["Ticket", "Note"]
    assert await _cells(table) == [["789", "pipes | kept"], ["790", "<b>bold?</b>"]]
    assert await answer.locator("pre").all_inner_texts() == ["A | B | C"]  # no separator: kept as laid out
    assert await answer.locator("b").count() == 0
    assert await answer.get_by_role("region", name="Tickets").count() == 0  # no tool listed any


def _recorded(live: Live, monkeypatch: pytest.MonkeyPatch) -> list[AgentEvent]:
    """The events the page was sent: the service's own turn, recorded on the way through."""
    seen: list[AgentEvent] = []
    handle = live.service.handle

    async def recording(*args: Any, **kwargs: Any) -> AsyncIterator[AgentEvent]:
        async for event in handle(*args, **kwargs):
            seen.append(event)
            yield event

    monkeypatch.setattr(live.service, "handle", recording)
    return seen


def _tickets(events: list[AgentEvent]) -> list[dict[str, Any]]:
    (result,) = [e for e in events if isinstance(e, ToolResultEvent) and e.tool == "haloitsm_list_tickets"]
    tickets: list[dict[str, Any]] = result.data["untrusted_data"]["tickets"]
    return tickets


async def _cells(table: Any) -> list[list[str]]:
    return [await row.locator("td").all_inner_texts() for row in await table.locator("tbody tr").all()]


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _status(live: Live, ticket_id: int) -> int:
    assert live.service.sandbox is not None
    ticket = live.service.sandbox.state_store.ticket(ticket_id)
    assert ticket is not None
    return int(ticket["status_id"])
