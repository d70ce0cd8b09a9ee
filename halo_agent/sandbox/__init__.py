"""The embedded Halo sandbox: an ASGI app with Halo's shapes, rules, demo data and programmable faults."""

from halo_agent.sandbox.app import SandboxApp, SandboxConfig, create_app, sandbox_client, sandbox_settings

__all__ = ["SandboxApp", "SandboxConfig", "create_app", "sandbox_client", "sandbox_settings"]
