"""The DocuSign Admin API client: JWT grant, typed models, polite retries, paging, resolvers.

    from tools.docusign import AdminClient, JWTAuth, Directory, errors, models
    auth = JWTAuth(oauth_base_url, integration_key, user_id, private_key_pem)
    client = AdminClient(admin_base_url, auth, on_request=audit_callback)
    directory = Directory(client, organization_id)

Layers, outermost first: an operation (client.py) -> the sender (pacing, retries, the audit
record, error translation) -> httpx with the JWT auth flow (token cache, renew on 401) ->
the transport (real network, or the sandbox's in-process transport). Writes run only inside
``guard.permit`` (opened by the gate).
"""

from __future__ import annotations

from tools.docusign import errors, models
from tools.docusign._sender import RequestRecord
from tools.docusign.auth import SCOPES, JWTAuth, TokenAuth, consent_url
from tools.docusign.client import AdminClient, WriteEvent
from tools.docusign.guard import GateBypassError, require_permit
from tools.docusign.resolvers import AccountRef, Directory, GroupRef, ProfileRef, ResolutionError
from tools.docusign.retry import RetryPolicy

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
