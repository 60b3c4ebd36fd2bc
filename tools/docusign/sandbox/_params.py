"""Checks on path, query and body values, each failing with DocuSign's 400 shape and the field's name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tools.docusign.sandbox._http import ApiError
from tools.docusign.sandbox._ids import is_guid
from tools.docusign.sandbox._state import Account, State, User

MAX_TAKE = 100
DEFAULT_TAKE = 20


def bad(description: str, error: str = "invalid_request") -> ApiError:
    return ApiError(400, error, description)


def guid_param(name: str, value: str) -> str:
    if not is_guid(value):
        raise bad(f"{name} {value!r} is not a GUID (expected e.g. 8f1d2c3b-0000-4000-8000-000000000000)")
    return value.lower()


def int_param(params: dict[str, str], name: str, default: int | None, minimum: int = 0) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad(f"query parameter {name}={raw!r} is not an integer") from None
    if value < minimum:
        raise bad(f"query parameter {name}={value} must be at least {minimum}")
    return value


def window(params: dict[str, str]) -> tuple[int, int]:
    """``start``/``take``/``end`` as DocuSign reads them: ``end`` counts only without ``take``; capped."""
    start = int_param(params, "start", 0) or 0
    take = int_param(params, "take", None, minimum=1)
    end = int_param(params, "end", None)
    if take is None:
        take = end - start + 1 if end is not None and end >= start else DEFAULT_TAKE
    return start, min(take, MAX_TAKE)


def obj(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"{where} must be a JSON object")
    return value


def array(where: str, value: Any, *, required: bool = True) -> list[Any]:
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise bad(f"{where} must be an array" + (" and is required" if value is None else ""))
    return value


def _absent(where: str, value: Any, required: bool) -> bool:
    """True for a missing optional value; a missing required one is DocuSign's 400."""
    if value is None and required:
        raise bad(f"{where} is required")
    return value is None


def text(where: str, value: Any, *, required: bool = False) -> str | None:
    if _absent(where, value, required):
        return None
    if not isinstance(value, str):
        raise bad(f"{where} must be a string")
    if required and not value.strip():
        raise bad(f"{where} must not be empty")
    return value


def integer(where: str, value: Any, *, required: bool = False) -> int | None:
    if _absent(where, value, required):
        return None
    if isinstance(value, bool):
        raise bad(f"{where} must be an integer")
    if isinstance(value, str):
        try:
            return int(value.strip(), 10)
        except ValueError:
            raise bad(f"{where} must be an integer, got {value!r}") from None
    if not isinstance(value, int):
        raise bad(f"{where} must be an integer")
    return value


def guid_field(where: str, value: Any, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not is_guid(value):
        raise bad(f"{where} must be a GUID" + (" and is required" if value is None else f", got {value!r}"))
    return value.lower()


def boolean(where: str, value: Any) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad(f"{where} must be true or false")
    return value


def email(where: str, raw: Any) -> str:
    value = text(where, raw, required=True)
    assert value is not None
    local, _, domain = value.strip().partition("@")
    if (
        not local
        or "." not in domain
        or " " in value.strip()
        or domain.startswith(".")
        or domain.endswith(".")
    ):
        raise bad(f"{where} {value!r} is not a valid email address", "invalid_useremail_address")
    return value.strip()


def site_id(where: str, value: Any) -> int:
    from tools.docusign.sandbox._state import SITE_ID

    found = integer(where, value, required=True)
    if found != SITE_ID:
        raise bad(f"{where} {found} does not match the organization's site ({SITE_ID})", "invalid_site_id")
    return found


def account_of(state: State, account_id: str, where: str = "accountId") -> Account:
    account = state.accounts.get(account_id)
    if account is None:
        raise ApiError(
            404, "account_not_found", f"{where} {account_id} is not an account of this organization"
        )
    return account


def user_of(state: State, user_id: str) -> User:
    user = state.users.get(user_id)
    if user is None or user.redacted_on is not None:
        raise ApiError(404, "user_not_found", f"userId {user_id} is not a user of this organization")
    return user


def profile_ref(account: Account, where: str, value: Any) -> int | None:
    """A PermissionProfileRequest (``{id, name}``) on ``account``; the id must exist there."""
    if value is None:
        return None
    return _ref_id(where, value, account, account.profile, account.profiles, "a permission profile",
                   "invalid_permissionset")


def group_refs(account: Account, where: str, value: Any) -> list[int] | None:
    if value is None:
        return None
    ids = []
    for i, item in enumerate(array(where, value)):
        group_id = _ref_id(f"{where}[{i}]", item, account, account.group, account.groups, "a group",
                           "invalid_group")
        if group_id not in ids:
            ids.append(group_id)
    return ids


def _ref_id(where: str, value: Any, account: Account, find: Callable[[int], Any], known: Iterable[Any],
            what: str, error: str) -> int:
    """The id of an ``{id, ...}`` reference, which must name one of ``known`` (found by ``find``) on
    ``account``; DocuSign's 400 ``error`` listing the ids it does have otherwise."""
    ref_id = integer(f"{where}.id", obj(where, value).get("id"), required=True)
    assert ref_id is not None
    if find(ref_id) is None:
        listed = ", ".join(f"{k.id} ({k.name})" for k in known)
        raise bad(f"{where}.id {ref_id} is not {what} of account {account.name}; known: {listed}", error)
    return ref_id
