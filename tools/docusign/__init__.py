"""The DocuSign Admin API client: JWT grant, typed models, polite retries, paging, resolvers.

    from tools.docusign import AdminClient, JWTAuth, Directory, errors, models
    auth = JWTAuth(oauth_base_url, integration_key, user_id, private_key_pem)
    client = AdminClient(admin_base_url, auth, on_request=audit_callback)
    directory = Directory(client, organization_id)

Layers, outermost first: an operation (client.py) -> the sender (pacing, retries, the audit
record, error translation) -> httpx with the JWT auth flow (token cache, renew on 401) ->
the transport (real network, or the sandbox's in-process transport). Writes run only inside
``guard.permit`` (opened by the gate).

Names load on first use, so importing one module (``tools.docusign.errors``) does not load the
client, the JWT grant and cryptography.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit import lazy

_EXPORTS = {
    "SCOPES": "tools.docusign.auth",
    "AccountRef": "tools.docusign.resolvers",
    "AdminClient": "tools.docusign.client",
    "Directory": "tools.docusign.resolvers",
    "GateBypassError": "tools.docusign.guard",
    "GroupRef": "tools.docusign.resolvers",
    "JWTAuth": "tools.docusign.auth",
    "ProfileRef": "tools.docusign.resolvers",
    "RequestRecord": "tools.docusign._sender",
    "ResolutionError": "tools.docusign.resolvers",
    "RetryPolicy": "tools.docusign.retry",
    "TokenAuth": "tools.docusign.auth",
    "WriteEvent": "tools.docusign.client",
    "consent_url": "tools.docusign.auth",
    "require_permit": "tools.docusign.guard",
}
_SUBMODULES = ("errors", "models")
__all__ = [
    "SCOPES",
    "AccountRef",
    "AdminClient",
    "Directory",
    "GateBypassError",
    "GroupRef",
    "JWTAuth",
    "ProfileRef",
    "RequestRecord",
    "ResolutionError",
    "RetryPolicy",
    "TokenAuth",
    "WriteEvent",
    "consent_url",
    "errors",
    "models",
    "require_permit",
]

if TYPE_CHECKING:
    from tools.docusign import errors, models
    from tools.docusign._sender import RequestRecord
    from tools.docusign.auth import SCOPES, JWTAuth, TokenAuth, consent_url
    from tools.docusign.client import AdminClient, WriteEvent
    from tools.docusign.guard import GateBypassError, require_permit
    from tools.docusign.resolvers import AccountRef, Directory, GroupRef, ProfileRef, ResolutionError
    from tools.docusign.retry import RetryPolicy

__getattr__ = lazy.exports(__name__, _EXPORTS, _SUBMODULES)
