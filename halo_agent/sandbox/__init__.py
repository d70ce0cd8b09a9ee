"""The embedded Halo sandbox: an ASGI app with Halo's shapes, rules, demo data and programmable faults.

The app is imported on first use (PEP 562), so `halo-agent sandbox --help` does not load it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from halo_agent.sandbox.app import SandboxApp, SandboxConfig, create_app, sandbox_client, sandbox_settings

__all__ = ["SandboxApp", "SandboxConfig", "create_app", "sandbox_client", "sandbox_settings"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("halo_agent.sandbox.app"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
