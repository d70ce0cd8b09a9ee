"""Embedding over the network: the HTTP/SSE service (`http_app`) and the MCP server (`mcp_server`)."""
