"""How the service is put together: a configured Halo through an injected transport, the default
model, a missing model factory, and secrets kept out of the audit log."""

from __future__ import annotations

from pathlib import Path

import httpx2

from halo_agent.agent.events import FinalAnswer
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID
from halo_agent.sandbox import SandboxConfig, create_app, sandbox_settings
from halo_agent.testing import ScriptedModel, call, text

SECRET = "s3cret-client-value-123"


async def test_a_configured_halo_is_used_through_the_injected_transport(tmp_path: Path) -> None:
    config = SandboxConfig(client_secret=SECRET, tenant="acme")
    app = create_app(config)
    settings = Settings(home=tmp_path, halo=sandbox_settings(config, url="https://acme.haloitsm.com"))
    note = call("haloitsm_add_note", ticket_id=789, note=f"the key is {SECRET}", hidden_from_user=True)
    model = ScriptedModel([[note], text("Noted.")])
    service = await AgentService.create(settings, model=model, halo_transport=httpx2.ASGITransport(app))
    try:
        assert service.sandbox is None and service.sandbox_notice is None
        admin = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
        events = [e async for e in service.handle("add the note", admin, "s")]
        assert isinstance(events[-1], FinalAnswer)
        assert app.state_store.actions_for(789)[-1]["note"].endswith(SECRET)  # Halo got the note
        audit_text = settings.audit_file.read_text()
        assert "haloitsm_add_note" in audit_text and SECRET not in audit_text
    finally:
        await service.aclose()


async def test_without_a_model_the_configured_one_is_built(tmp_path: Path) -> None:
    service = await AgentService.create(Settings(home=tmp_path))
    try:
        assert "offline" in service.model.name
    finally:
        await service.aclose()
