"""The web chat page, end to end in a real headless browser (Debian's chromium driven by Playwright),
against `serve`'s app on loopback with the offline model and the embedded sandbox."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from halo_agent.channels.web.signin import SignIns
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL, DEMO_SECOND_ADMIN_AGENT_ID
from halo_agent.models.offline import OfflineModel
from halo_agent.principal import Principal
from tests.channels.conftest import Live, MakeLive

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PAGE_BUDGET_BYTES = 100 * 1024
STATIC = Path(__file__).parents[2] / "halo_agent" / "channels" / "web" / "static"


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


async def test_page_weight_is_under_100_kb() -> None:
    weight = sum(path.stat().st_size for path in STATIC.iterdir())
    assert weight < PAGE_BUDGET_BYTES, f"the page weighs {weight} bytes"


def _status(live: Live, ticket_id: int) -> int:
    assert live.service.sandbox is not None
    ticket = live.service.sandbox.state_store.ticket(ticket_id)
    assert ticket is not None
    return int(ticket["status_id"])
