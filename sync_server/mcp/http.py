"""The MCP server on the sync server's own port, at ``/mcp`` (Streamable HTTP), for remote
clients with an owner's API key as their bearer token.

Every request's key is checked against the database (a revoked key stops at once); the key
says the shop, the role and whether it may write. The SDK's app serves two paths (the endpoint
and its RFC 9728 resource metadata); they are routed to it one by one, so every other path stays
the sync server's (with its JSON errors). Its session manager must run in the host app's
lifespan: mounted apps' lifespans never run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.routing import Route

from sync_server.config import Settings
from sync_server.db import Pool
from sync_server.mcp.server import build
from sync_server.services import mcp_keys
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv

PATH = "/mcp"
SCOPE = "tools"
WRITE_SCOPE = "tools:write"


class KeyVerifier(TokenVerifier):
    """A bearer token is one of the shop owners' MCP keys, alive (not revoked)."""

    def __init__(self, pool_of: Callable[[], Pool]) -> None:
        self._pool_of = pool_of

    async def verify_token(self, token: str) -> AccessToken | None:
        key = await mcp_keys.authenticate(self._pool_of(), token)
        if key is None:
            return None
        return AccessToken(token=token, client_id=str(key.tenant_id),
                           scopes=[SCOPE, WRITE_SCOPE] if key.can_write else [SCOPE],
                           subject=str(key.key_id),
                           claims={"name": key.name, "role": key.role})


async def caller_from_request() -> Caller | None:
    """The caller the authentication middleware found for this request, if any."""
    token = get_access_token()
    if token is None or not token.claims or token.subject is None:
        return None
    role = CallerRole.STAFF if token.claims.get("role") == "staff" else CallerRole.OWNER
    return Caller(uuid.UUID(token.client_id), role, "mcp",
                  f"mcp:{token.subject} ({str(token.claims.get('name', ''))[:60]})",
                  can_write=WRITE_SCOPE in token.scopes)


def public_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def security(settings: Settings) -> TransportSecuritySettings:
    """Host and Origin allow-list (DNS rebinding protection): loopback, plus the public URL's
    host. Behind a real hostname a request not listed here is a 421."""
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    public = urlsplit(public_url(settings))
    if public.hostname and public.hostname not in ("127.0.0.1", "localhost", "::1"):
        hosts += [public.netloc, f"{public.hostname}:*"]
        origins += [f"{public.scheme}://{public.netloc}"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=origins)


def routes(settings: Settings, pool_of: Callable[[], Pool]
           ) -> tuple[list[Route], StreamableHTTPSessionManager]:
    """The sync server's routes to the MCP endpoint, and the session manager its lifespan runs."""
    server = build(lambda: ToolEnv.from_settings(pool_of(), settings), caller_from_request)
    base = public_url(settings)
    app = server.streamable_http_app(
        streamable_http_path=PATH, stateless_http=True, transport_security=security(settings),
        auth=AuthSettings(issuer_url=AnyHttpUrl(base), resource_server_url=AnyHttpUrl(base + PATH),
                          required_scopes=[SCOPE], validate_token_resource=False),
        token_verifier=KeyVerifier(pool_of))
    paths = [PATH, f"/.well-known/oauth-protected-resource{PATH}"]
    return [Route(p, endpoint=app) for p in paths], server.session_manager
