"""`sandbox_client(app)` hands back the project's HaloClient wired to the sandbox in-process."""

from __future__ import annotations

from halo_agent.config import HaloSettings
from halo_agent.halo.queries import TicketQuery
from halo_agent.sandbox import SandboxConfig, create_app, sandbox_client, sandbox_settings


def test_settings_point_at_the_sandbox() -> None:
    settings = sandbox_settings(SandboxConfig(tenant="acme"))
    assert isinstance(settings, HaloSettings)
    assert (settings.halo_url, settings.tenant) == ("http://sandbox.local", "acme")
    assert settings.client_secret.get_secret_value() == "sandbox-secret"


async def test_client_reads_and_counts_calls() -> None:
    app = create_app()
    async with sandbox_client(app) as client:
        ticket = await client.get_ticket(789)
        page = await client.list_tickets(TicketQuery(agent_ids=[6], open_only=True), page_size=10)
    assert ticket.user_email == "emma.hart@example.com"
    assert len(page.items) == 10 and (page.total or 0) > 10
    assert app.state_store.calls("GET", "/api/Tickets/789") == 1


async def test_overrides_reach_settings() -> None:
    app = create_app(SandboxConfig(tenant="acme"))
    async with sandbox_client(app, scope="read:tickets") as client:
        await client.get_ticket(789)
    assert app.state_store.calls("POST", "/auth/token") + app.state_store.calls("POST", "/token") == 1
