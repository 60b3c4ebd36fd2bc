"""The DocuSign Admin API, as typed Python calls.

Why this shape: each operation reads like the endpoint it calls (path templates exactly as in
DocuSign's spec), bodies are the spec's models, and everything that must be the same for every
request (auth, pacing, retries, the audit record, error translation) lives below it in
``_sender``. Writes refuse to run outside the gate's permit (``guard.require_permit``, here and
again in the sender, where every request passes) and are never resent after DocuSign may have
acted on them: the sender raises ``errors.OutcomeUnknown`` and the operation reads back.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from tools.docusign import errors, models, paging
from tools.docusign._sender import OnRequest, Sender
from tools.docusign.guard import require_permit
from tools.docusign.retry import RetryPolicy

ORGANIZATIONS = "/v2/organizations"
PERMISSIONS = "/v2/organizations/{organizationId}/accounts/{accountId}/permissions"
GROUPS = "/v2/organizations/{organizationId}/accounts/{accountId}/groups"
USERS = "/v2/organizations/{organizationId}/users"
USER_PROFILE = "/v2/organizations/{organizationId}/users/profile"
ACCOUNT_USERS = "/v2/organizations/{organizationId}/accounts/{accountId}/users"
USER_PROFILES = "/v2/organizations/{organizationId}/users/profiles"
USER_ACCOUNTS = "/v2/organizations/{organizationId}/users/{userId}/accounts"
MEMBERSHIP = "/v2/organizations/{organizationId}/users/{userId}/memberships/{membershipId}"
REDACT_USER = "/v2/data_redaction/organizations/{organizationId}/user"

PAGE_SIZE = 100  # the Admin API's maximum `take`
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=models._Request)

# the argument each path parameter comes from, named in the message when it is not a GUID
_PATH_FIELDS = {
    "organizationId": "organization_id",
    "accountId": "account_id",
    "userId": "user_id",
    "membershipId": "membership_id",
}


@dataclass(frozen=True)
class WriteEvent:
    """A write that succeeded, so caches that know these users can drop them."""

    operation: str
    organization_id: str
    emails: frozenset[str]
    user_ids: frozenset[str]


def _guid(field: str, value: str) -> str:
    if not isinstance(value, str) or not _GUID.match(value):
        raise ValueError(
            f"{field} must be a GUID like 8f2c1a7e-...-...; got {value!r} "
            "(resolve names to ids with tools.docusign.Directory first)"
        )
    return value


def _body(model: type[M], body: M | dict[str, Any]) -> M:
    if isinstance(body, model):
        return body
    if isinstance(body, BaseModel) or not isinstance(body, dict):
        raise TypeError(f"expected a {model.__name__} (or a dict of its fields), got {type(body).__name__}")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValueError(f"not a valid {model.__name__}: {exc}") from None


def _parse(model: type[M], response: httpx.Response) -> M:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError) as exc:
        raise errors.DocuSignError(
            response.status_code,
            "unexpected_response",
            f"{response.request.method} {response.request.url.path} answered a body that is not a "
            f"{model.__name__}: {str(exc)[:300]}",
            errors.trace_token(response),
        ) from None


def _item_failures(items: list[Any] | None) -> list[tuple[str | None, str | None, str | None]]:
    failures = []
    for item in items or []:
        details = item.error_details
        if details is not None and (details.error or details.error_description):
            failures.append((item.id, details.error, details.error_description))
    return failures


def _query(**params: Any) -> dict[str, str]:
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = str(value)
    return out


class AdminClient:
    """A DocuSign Admin API client for one base URL and one identity (``auth``)."""

    def __init__(
        self,
        admin_base_url: str,
        auth: httpx.Auth,
        *,
        transport: httpx.BaseTransport | None = None,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        on_request: OnRequest | None = None,
        timeout: float = 30.0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE} (the Admin API's largest take)")
        self.admin_base_url = admin_base_url.rstrip("/")
        self.max_concurrency = max_concurrency
        self.page_size = page_size
        self._http = httpx.Client(
            base_url=self.admin_base_url,
            auth=auth,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
            limits=httpx.Limits(max_connections=max_concurrency + 2),
        )
        self._sender = Sender(self._http, retry or RetryPolicy(), on_request)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._write_listeners: list[Callable[[WriteEvent], None]] = []

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe_writes(self, listener: Callable[[WriteEvent], None]) -> None:
        """Call ``listener`` after every successful write (the Directory drops stale entries)."""
        self._write_listeners.append(listener)

    # -- reads ---------------------------------------------------------------------------------

    def organizations(self) -> list[models.OrganizationResponse]:
        """The organizations the identity administers, each with its linked accounts."""
        response = self._sender.send("GET", ORGANIZATIONS)
        return _parse(models.OrganizationsResponse, response).organizations or []

    def permission_profiles(
        self, organization_id: str, account_id: str
    ) -> list[models.PermissionProfileResponse]:
        ids = {
            "organizationId": _guid("organization_id", organization_id),
            "accountId": _guid("account_id", account_id),
        }
        response = self._sender.send("GET", PERMISSIONS, ids)
        return _parse(models.PermissionsResponse, response).permissions or []

    def groups(self, organization_id: str, account_id: str) -> list[models.MemberGroupResponse]:
        """Every group of the account (all pages)."""
        ids = {
            "organizationId": _guid("organization_id", organization_id),
            "accountId": _guid("account_id", account_id),
        }
        return self._every_page(GROUPS, ids, {}, models.MemberGroupsResponse, "groups")

    def users_page(
        self,
        organization_id: str,
        *,
        email: str | None = None,
        account_id: str | None = None,
        organization_reserved_domain_id: str | None = None,
        status: str | None = None,
        membership_status: str | None = None,
        email_user_name_like: str | None = None,
        last_modified_since: str | datetime | None = None,
        start: int = 0,
        take: int | None = None,
    ) -> models.OrganizationUsersResponse:
        """One page of ``GET .../users``; DocuSign needs email, account_id or a reserved domain id."""
        params = self._user_filters(
            organization_id,
            email,
            account_id,
            organization_reserved_domain_id,
            status,
            membership_status,
            email_user_name_like,
            last_modified_since,
        )
        take = self.page_size if take is None else take
        if not 1 <= take <= PAGE_SIZE:
            raise ValueError(f"take must be 1..{PAGE_SIZE}")
        params.update(start=str(start), take=str(take))
        response = self._sender.send("GET", USERS, {"organizationId": organization_id}, params=params)
        return _parse(models.OrganizationUsersResponse, response)

    def users(
        self,
        organization_id: str,
        *,
        email: str | None = None,
        account_id: str | None = None,
        organization_reserved_domain_id: str | None = None,
        status: str | None = None,
        membership_status: str | None = None,
        email_user_name_like: str | None = None,
        last_modified_since: str | datetime | None = None,
    ) -> list[models.OrganizationUserResponse]:
        """Every matching user (all pages; the pages after the first fetched concurrently)."""
        base = self._user_filters(
            organization_id,
            email,
            account_id,
            organization_reserved_domain_id,
            status,
            membership_status,
            email_user_name_like,
            last_modified_since,
        )
        ids = {"organizationId": organization_id}
        return self._every_page(USERS, ids, base, models.OrganizationUsersResponse, "users")

    def user_profile(self, organization_id: str, email: str) -> models.UserDrilldownResponse | None:
        """The user's memberships with permission profile and groups per account; None if no such user."""
        email = self._email(email)
        response = self._sender.send(
            "GET",
            USER_PROFILE,
            {"organizationId": _guid("organization_id", organization_id)},
            params={"email": email},
        )
        users = _parse(models.UsersDrilldownResponse, response).users or []
        wanted = email.casefold()
        for user in users:
            if (user.user_name or "").casefold() == wanted or any(
                (m.email or "").casefold() == wanted for m in user.memberships or []
            ):
                return user
        return users[0] if users else None

    # -- writes ----------------------------------------------------------------------------------

    def create_user(
        self, organization_id: str, body: models.NewUserRequest | dict[str, Any]
    ) -> models.NewUserResponse:
        """Create a user with memberships (an unknown outcome raises ``OutcomeUnknown``, never resent)."""
        ids = {"organizationId": organization_id}
        request, created = self._write(
            "create_user", "POST", USERS, ids, models.NewUserRequest, body, models.NewUserResponse
        )
        self._notify("create_user", organization_id, emails=[request.email], user_ids=[created.id])
        return created

    def add_account_user(
        self, organization_id: str, account_id: str, body: models.NewAccountUserRequest | dict[str, Any]
    ) -> models.NewUserResponse:
        """Give an existing (or new) user a membership on another account."""
        ids = {"organizationId": organization_id, "accountId": account_id}
        request, added = self._write(
            "add_account_user", "POST", ACCOUNT_USERS, ids, models.NewAccountUserRequest, body,
            models.NewUserResponse,
        )
        self._notify("add_account_user", organization_id, emails=[request.email], user_ids=[added.id])
        return added

    def update_users(
        self, organization_id: str, body: models.UpdateUsersRequest | dict[str, Any]
    ) -> models.UsersUpdateResponse:
        """Set names, permission profiles, groups or job titles (absolute values, but still never resent
        blindly: a lost answer raises ``OutcomeUnknown`` and the caller reads back first)."""
        ids = {"organizationId": organization_id}
        request, result = self._write(
            "update_users", "POST", USER_PROFILES, ids, models.UpdateUsersRequest, body,
            models.UsersUpdateResponse,
        )
        self._notify(
            "update_users",
            organization_id,
            emails=[u.email for u in request.users],
            user_ids=[u.id for u in request.users],
        )
        self._raise_item_failures(_item_failures(result.users), result.success, result)
        return result

    def close_memberships(
        self, organization_id: str, user_id: str, body: models.DeleteMembershipsRequest | dict[str, Any]
    ) -> models.DeleteMembershipsResponse:
        """Close the user's memberships on the given accounts (closing all of them closes the user)."""
        ids = {"organizationId": organization_id, "userId": user_id}
        _request, result = self._write(
            "close_memberships", "DELETE", USER_ACCOUNTS, ids, models.DeleteMembershipsRequest, body,
            models.DeleteMembershipsResponse,
        )
        self._notify("close_memberships", organization_id, user_ids=[user_id])
        self._raise_item_failures(_item_failures(result.accounts), result.success, result)
        return result

    def activate_membership(
        self,
        organization_id: str,
        user_id: str,
        membership_id: str,
        body: models.ForceActivateMembershipRequest | dict[str, Any],
    ) -> models.UpdateResponse:
        """Reactivate a closed membership (by its id from the users list)."""
        ids = {"organizationId": organization_id, "userId": user_id, "membershipId": membership_id}
        _request, result = self._write(
            "activate_membership", "POST", MEMBERSHIP, ids, models.ForceActivateMembershipRequest, body,
            models.UpdateResponse,
        )
        self._notify("activate_membership", organization_id, user_ids=[user_id])
        return result

    def redact_user(
        self, organization_id: str, body: models.IndividualUserDataRedactionRequest | dict[str, Any]
    ) -> models.IndividualUserDataRedactionResponse:
        """Purge a closed user's personal data (DocuSign refuses until closed for 24 hours)."""
        request, result = self._write(
            "redact_user", "POST", REDACT_USER, {"organizationId": organization_id},
            models.IndividualUserDataRedactionRequest, body, models.IndividualUserDataRedactionResponse,
            body_ids=("user_id",),
        )
        self._notify("redact_user", organization_id, user_ids=[request.user_id])
        failures: list[tuple[str | None, str | None, str | None]] = [
            (r.account_id, r.status, f"redaction {r.status} on account {r.account_id}")
            for r in result.membership_results or []
            if r.status == "failure"
        ]
        if result.status == "failure" and not failures:
            failures = [(result.user_id, "failure", "DocuSign reported the redaction failed")]
        self._raise_item_failures(failures, None, result)
        return result

    # -- helpers -------------------------------------------------------------------------------------

    def _write(
        self,
        operation: str,
        method: str,
        template: str,
        ids: dict[str, str],
        request_model: type[R],
        body: R | dict[str, Any],
        answer_model: type[M],
        *,
        body_ids: tuple[str, ...] = (),
    ) -> tuple[R, M]:
        """One write, done the same way for every operation so none can skip a step: the gate's permit
        first (before anything about the request is looked at), then the body and every id (the path's,
        and the body's ``body_ids``) checked, then one request (never resent) and its answer parsed."""
        require_permit(operation)
        request = _body(request_model, body)
        path = {name: _guid(_PATH_FIELDS[name], value) for name, value in ids.items()}
        for name in body_ids:
            _guid(name, getattr(request, name))
        response = self._sender.send(method, template, path, json=request.to_body())
        return request, _parse(answer_model, response)

    def _every_page(
        self, template: str, ids: dict[str, str], base: dict[str, str], model: type[M], items: str
    ) -> list[Any]:
        """All items of a start/take listing whose response model keeps them in field ``items``."""

        def page(start: int,
                 override: dict[str, str]) -> tuple[list[Any], models.PagingResponseProperties | None]:
            params = {**base, "start": str(start), "take": str(self.page_size), **override}
            parsed = _parse(model, self._sender.send("GET", template, ids, params=params))
            paged: models.PagingResponseProperties | None = getattr(parsed, "paging", None)
            return getattr(parsed, items) or [], paged

        return paging.collect(page, self.page_size, self._executor())

    def _executor(self) -> ThreadPoolExecutor | None:
        if self.max_concurrency == 1:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="dsadmin-page")
            return self._pool

    @staticmethod
    def _email(email: str) -> str:
        if not isinstance(email, str) or "@" not in email or " " in email.strip():
            raise ValueError(f"email {email!r} is not an email address")
        return email.strip()

    def _user_filters(
        self,
        organization_id: str,
        email: str | None,
        account_id: str | None,
        domain_id: str | None,
        status: str | None,
        membership_status: str | None,
        like: str | None,
        since: str | datetime | None,
    ) -> dict[str, str]:
        _guid("organization_id", organization_id)
        if email is None and account_id is None and domain_id is None:
            raise ValueError(
                "listing users needs email, account_id or organization_reserved_domain_id "
                "(DocuSign refuses an unfiltered organization-wide list)"
            )
        if account_id is not None:
            _guid("account_id", account_id)
        if domain_id is not None:
            _guid("organization_reserved_domain_id", domain_id)
        return _query(
            email=self._email(email) if email is not None else None,
            account_id=account_id,
            organization_reserved_domain_id=domain_id,
            status=status,
            membership_status=membership_status,
            email_user_name_like=like,
            last_modified_since=since,
        )

    def _notify(
        self,
        operation: str,
        organization_id: str,
        *,
        emails: Iterable[str | None] = (),
        user_ids: Iterable[str | None] = (),
    ) -> None:
        event = WriteEvent(
            operation,
            organization_id,
            frozenset(e.casefold() for e in emails if e),
            frozenset(u.lower() for u in user_ids if u),
        )
        for listener in list(self._write_listeners):
            listener(event)

    @staticmethod
    def _raise_item_failures(
        failures: list[tuple[str | None, str | None, str | None]], success: bool | None, result: Any
    ) -> None:
        if not failures and success is False:
            failures = [(None, "unsuccessful", "DocuSign answered success=false without details")]
        if failures:
            raise errors.ItemFailed(failures, result)
