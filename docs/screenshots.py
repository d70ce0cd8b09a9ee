"""Screenshots of the web chat page for the docs: desktop and phone width, and the approvals inbox.

    python docs/screenshots.py     # writes docs/web-chat-desktop.png, web-chat-phone.png, web-approvals.png

Serves the page on loopback (offline model, embedded sandbox, a throwaway data directory), signs in the
demo people with one-time links, plays a few seed requests in Debian's chromium (Playwright), and saves
the screenshots next to this script.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect

from halo_agent.agent.service import AgentService
from halo_agent.channels.http_app import create_http_app
from halo_agent.channels.keys import KeyRing
from halo_agent.cli_common import quiet_logging
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL, DEMO_SECOND_ADMIN_AGENT_ID
from halo_agent.principal import Principal

DOCS = Path(__file__).parent
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


async def conversation(browser: Browser, base: str, token: str, width: int, height: int) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = await context.new_page()
    await page.goto(f"{base}/signin?token={token}")
    for message in ("What's the status of my ticket 789?", "List my open tickets",
                    "Please close my email ticket — it's working again since this morning"):  # fmt: skip
        await page.get_by_label("Your request").fill(message)
        await page.get_by_label("Your request").press("Enter")
        await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    await expect(page.get_by_role("button", name="Confirm")).to_be_visible()
    return page


async def main() -> None:
    quiet_logging()
    with tempfile.TemporaryDirectory() as home:
        service = await AgentService.create(Settings(home=Path(home)))
        app = create_http_app(service, KeyRing.single("screenshots-only-key-0123"))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        people: dict[str, Principal] = {
            "emma": await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL),
            "alex": await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID),
            "sam": await service.resolve_principal("admin", agent_id=DEMO_SECOND_ADMIN_AGENT_ID),
        }
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for name, (width, height) in {"desktop": (1280, 860), "phone": (390, 844)}.items():
                token = app.state.signins.issue(people["emma"])
                page = await conversation(browser, base, token, width, height)
                await page.screenshot(path=DOCS / f"web-chat-{name}.png", full_page=name == "phone")
            await approvals(browser, base, app, people)
            await browser.close()
        server.should_exit = True
        await task
        await service.aclose()


async def approvals(browser: Browser, base: str, app: object, people: dict[str, Principal]) -> None:
    signins = app.state.signins  # type: ignore[attr-defined]
    context = await browser.new_context(viewport={"width": 1280, "height": 700})
    alex = await context.new_page()
    await alex.goto(f"{base}/signin?token={signins.issue(people['alex'])}")
    await alex.get_by_label("Your request").fill("Raise ticket 789 to Critical")
    await alex.get_by_label("Your request").press("Enter")
    await expect(alex.get_by_role("group", name="Approval needed")).to_be_visible()
    sam = await (await browser.new_context(viewport={"width": 1280, "height": 700})).new_page()
    await sam.goto(f"{base}/signin?token={signins.issue(people['sam'])}")
    await sam.get_by_role("button", name="Approvals").click()
    await expect(sam.get_by_role("button", name="Approve")).to_be_visible()
    await sam.screenshot(path=DOCS / "web-approvals.png")


if __name__ == "__main__":
    asyncio.run(main())
