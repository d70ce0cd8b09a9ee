"""The MCP server: the agent's tools, with the same schemas, under the same policy, for any MCP client.

The connecting identity decides the toolset (`executor.tool_schemas(principal)`) and every call goes
through `executor.execute`. The MCP client's model is not the person: its text never counts as the
person's words (`user_texts` is empty) and its context may hold text from anywhere (Halo, other servers),
so every MCP call is tainted: a write waits for the person's confirmation (elicitation or a parked one).

A call needing the person's confirmation asks them through MCP elicitation when the client supports it
(accept: the call runs; decline or cancel: it does not). Otherwise it is parked in a session of its own
(`mcp-<random id>`, unguessable) and the result says how to confirm it: `halo-agent ask --session
mcp-<id> yes`, or `POST /v1/sessions/mcp-<id>/confirm`. No tool confirms or approves anything.

Identity: stdio takes it from the command's flags; streamable HTTP takes it per request from the API
key (`Authorization: Bearer <key>`) and the headers `X-Halo-Role`, `X-Halo-User` (an employee's email)
and `X-Halo-Agent-Id` (an admin's Halo agent id).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.session import ServerSession
from mcp.shared.exceptions import MCPError

from halo_agent import __version__
from halo_agent.agent.model import ToolCallRequest
from halo_agent.agent.service import RESERVED_SESSION_PREFIX, AgentService
from halo_agent.channels.mcp_identity import HeaderIdentity
from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal
from halo_agent.tools.executor import CallOutcome, TurnContext

Identify = Callable[[Mapping[str, str] | None], Awaitable[Principal]]
CONFIRM_KEY = "confirm"
_EMPTY_FORM: dict[str, Any] = {"type": "object", "properties": {}}


def mcp_session_id(principal: Principal) -> str:
    """The label MCP calls carry in the audit log (one per person). Not a session anyone can open."""
    return "mcp:" + hashlib.sha256(principal.key.encode()).hexdigest()[:12]


def parked_session_id() -> str:
    """Where one parked confirmation waits: random and unguessable (another key holder cannot claim it
    first), in the `mcp-` namespace no frontend may open (AgentService.handle refuses new ones)."""
    return RESERVED_SESSION_PREFIX + secrets.token_urlsafe(18)


class McpBridge:
    """Tool listing and calls for one service; `identify` names the caller of each request."""

    def __init__(self, service: AgentService, identify: Identify) -> None:
        self.service = service
        self.identify = identify
        self._asked: dict[str, str] = {}  # elicitation token -> pending id (the client cannot forge one)

    def server(self) -> Server[Any]:
        return Server(
            "halo-agent", version=__version__, on_list_tools=self.list_tools, on_call_tool=self.call_tool,
            instructions="HaloITSM tools under the desk's policy. Writes may ask the person to confirm.",
        )  # fmt: skip

    async def list_tools(
        self, ctx: Any, _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        principal = await self._who(ctx)
        schemas = self.service.executor.tool_schemas(principal)
        return types.ListToolsResult(tools=[self._tool(schema["function"]) for schema in schemas])

    def _tool(self, function: dict[str, Any]) -> types.Tool:
        spec = self.service.executor.registry.get(function["name"])
        risk = spec.risk if spec else "destructive"
        annotations = types.ToolAnnotations(
            read_only_hint=risk == "read", destructive_hint=risk == "destructive",
            idempotent_hint=bool(spec and spec.idempotent), open_world_hint=False,
        )  # fmt: skip
        return types.Tool(
            name=function["name"],
            description=function["description"],
            input_schema=function["parameters"],
            annotations=annotations,
        )

    async def call_tool(
        self, ctx: Any, params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        principal = await self._who(ctx)
        if params.request_state is not None:
            return await self._answered(params, principal)
        request = ToolCallRequest(
            id=f"mcp_{uuid.uuid4().hex[:12]}", name=params.name, arguments=json.dumps(params.arguments or {})
        )
        turn = TurnContext(
            principal=principal,
            session_id=mcp_session_id(principal),
            request_id=uuid.uuid4().hex[:12],
            user_texts=[],
            untrusted_seen=True,  # the client's model may have read anything: every write is tainted
        )
        outcome = await self.service.executor.execute(request, turn)
        if outcome.status != "paused" or outcome.pending is None or outcome.pending.kind != "confirmation":
            return await self._finish(outcome, principal)
        return await self._confirm(ctx.session, outcome, principal)

    async def _confirm(
        self, session: ServerSession, outcome: CallOutcome, principal: Principal
    ) -> types.CallToolResult | types.InputRequiredResult:
        assert outcome.pending is not None
        pending_id, message = outcome.pending.id, f"Confirm: {outcome.pending.preview}"
        if not _can_elicit(session):
            return await self._finish(outcome, principal)
        if not session.can_send_request:  # 2026-07-28 era: ask, and the client retries with the answer
            token = secrets.token_urlsafe(16)
            self._asked[token] = pending_id
            ask = types.ElicitRequest(
                params=types.ElicitRequestFormParams(message=message, requested_schema=_EMPTY_FORM)
            )
            return types.InputRequiredResult(input_requests={CONFIRM_KEY: ask}, request_state=token)
        answer = await session.elicit_form(message, _EMPTY_FORM)
        return await self._decide(pending_id, principal, answer)

    async def _answered(
        self, params: types.CallToolRequestParams, principal: Principal
    ) -> types.CallToolResult:
        pending_id = self._asked.pop(params.request_state or "", None)
        answer = (params.input_responses or {}).get(CONFIRM_KEY)
        if pending_id is None or not isinstance(answer, types.ElicitResult):
            raise MCPError(code=types.INVALID_PARAMS, message="unknown or already answered confirmation")
        return await self._decide(pending_id, principal, answer)

    async def _decide(
        self, pending_id: str, principal: Principal, answer: types.ElicitResult
    ) -> types.CallToolResult:
        approve = answer.action == "accept"
        try:
            outcome = await self.service.executor.resume(
                pending_id,
                principal,
                approve=approve,
                reason=None if approve else "declined in the MCP client",
            )
        except HaloAgentError as exc:
            return _result({"status": "error", "error": str(exc)}, error=True)
        return await self._finish(outcome, principal)

    async def _finish(self, outcome: CallOutcome, principal: Principal) -> types.CallToolResult:
        payload: dict[str, Any] = json.loads(outcome.tool_message)
        if outcome.status == "paused" and outcome.pending is not None:
            payload["how_to_confirm"] = await self._park(outcome, principal)
        return _result(payload, error=outcome.status in ("error", "refused"))

    async def _park(self, outcome: CallOutcome, principal: Principal) -> str:
        """Keep the pause in the person's MCP session, so they can confirm it later themselves."""
        assert outcome.pending is not None
        pending = outcome.pending
        if pending.kind == "approval":
            return f"waiting for approval by: {', '.join(pending.approver_roles)} (`halo-agent approvals`)"
        sessions = self.service.sessions
        session_id = parked_session_id()
        async with sessions.lock(session_id):
            session = sessions.load(session_id, principal)
            session.pending_confirmations.append(pending.id)
            session.history.append(
                {"role": "assistant", "content": f"Waiting for your confirmation: {pending.preview}"}
            )
            sessions.save(session)
        return (
            f"the person must confirm it themselves: `halo-agent ask --session {session_id} yes`, "
            f"or POST /v1/sessions/{session_id}/confirm with pending_id {pending.id}"
        )

    async def _who(self, ctx: Any) -> Principal:
        try:
            return await self.identify(_headers(ctx))
        except HaloAgentError as exc:
            raise MCPError(code=types.INVALID_REQUEST, message=str(exc)) from None


def _can_elicit(session: ServerSession) -> bool:
    capabilities = session.client_capabilities
    return capabilities is not None and capabilities.elicitation is not None


def _headers(ctx: Any) -> Mapping[str, str] | None:
    request = getattr(ctx, "request", None)
    headers = getattr(request, "headers", None)
    return headers if headers is not None else None


def _result(payload: dict[str, Any], *, error: bool) -> types.CallToolResult:
    text = json.dumps(payload, ensure_ascii=False)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=error)


# --- running it ---------------------------------------------------------------------------------------


def fixed_identity(principal: Principal) -> Identify:
    async def identify(_headers: Mapping[str, str] | None) -> Principal:
        return principal

    return identify


async def serve_stdio(args: argparse.Namespace) -> int:
    from mcp.server.stdio import stdio_server

    from halo_agent.cli_common import build_service, principal_from_args

    service = await build_service(args)
    try:
        principal = await principal_from_args(service, args)
        server = McpBridge(service, fixed_identity(principal)).server()
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await service.aclose()
    return 0


async def serve_http(
    args: argparse.Namespace, keys: Any, listener: socket.socket,
    announce: Callable[[AgentService, argparse.Namespace], None],
) -> int:
    """Serve on `listener` (already bound); `announce` prints the banner once the service is built."""
    import uvicorn

    from halo_agent.cli_common import build_service

    service = await build_service(args)
    try:
        bridge = McpBridge(service, HeaderIdentity(service, keys))
        app = bridge.server().streamable_http_app(host=args.host)
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
        announce(service, args)
        await uvicorn.Server(config).serve(sockets=[listener])
    finally:
        await service.aclose()
    return 0
