"""Write operations of the Admin API, with DocuSign's state rules.

Rules kept here: an email is unique in the organization; new memberships auto-activate only
for users on a claimed domain who asked for it, else they wait in ``activation_sent``; closing
every membership closes the user; closing the last active Account Administrator of an account or
the caller's own membership is refused per item; a purge waits until the user has been closed
for 24 hours. Every change moves ``last_modified_on``. A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tools.docusign.sandbox import _params as p
from tools.docusign.sandbox import _render as render
from tools.docusign.sandbox._http import ApiError
from tools.docusign.sandbox._ids import guid
from tools.docusign.sandbox._state import (
    ADMIN_PROFILE,
    PENDING,
    SITE_ID,
    Account,
    Membership,
    State,
    User,
    UserQuery,
)

if TYPE_CHECKING:
    from tools.docusign.sandbox._core import Context

PURGE_WAIT_SECONDS = 24 * 3600


def _body_account(state: State, where: str, value: Any) -> Account:
    account_id = p.guid_field(where, value)
    assert account_id is not None
    account = state.accounts.get(account_id)
    if account is None:
        raise p.bad(f"{where} {account_id} is not an account of this organization", "invalid_account_id")
    return account


def _names(body: dict[str, Any]) -> dict[str, str | None]:
    return {k: p.text(k, body.get(k)) for k in ("user_name", "first_name", "last_name", "language_culture")}


def _new_status(state: State, email: str, auto_activate: bool | None) -> str:
    domain = email.lower().rsplit("@", 1)[-1]
    return "active" if auto_activate and domain in state.organization.domains else "activation_sent"


def _membership_plan(account: Account, where: str, item: dict[str, Any]) -> dict[str, Any]:
    profile_id = p.profile_ref(account, f"{where}.permission_profile", item.get("permission_profile"))
    group_ids = p.group_refs(account, f"{where}.groups", item.get("groups")) or []
    everyone = account.everyone()
    if everyone is not None and everyone.id not in group_ids:
        group_ids.insert(0, everyone.id)
    return {
        "profile_id": profile_id if profile_id is not None else account.default_profile().id,
        "group_ids": group_ids,
        "job_title": p.text(f"{where}.job_title", item.get("job_title")),
        "company_name": p.text(f"{where}.company_name", item.get("company_name")),
    }


def _exists(state: State, email: str) -> None:
    existing = state.user_by_email(email)
    if existing is not None and existing.redacted_on is None:
        raise ApiError(
            400,
            "user_already_exists",
            f"a user with email {email} already exists in this organization (id {existing.id}); add them to "
            "another account with POST .../accounts/{accountId}/users or change them with "
            "POST .../users/profiles",
        )


def _new_user(ctx: Context, email: str, names: dict[str, str | None]) -> User:
    state = ctx.state
    user_id = guid("user", email)
    n = 1
    while user_id in state.users:
        n += 1
        user_id = guid("user", email, str(n))
    full = names["user_name"] or " ".join(x for x in (names["first_name"], names["last_name"]) if x)
    if not full.strip():
        raise p.bad("user_name (or first_name and last_name) is required for a new user")
    return User(
        id=user_id,
        email=email,
        first_name=names["first_name"],
        last_name=names["last_name"],
        user_name=full.strip(),
        created_on=ctx.now,
        last_modified_on=ctx.now,
        language_culture=names["language_culture"] or "en",
    )


def _add_membership(ctx: Context, user: User, account: Account, plan: dict[str, Any], status: str) -> None:
    user.memberships[account.id] = Membership(
        id=guid("membership", user.id, account.id, str(ctx.now))
        if account.id in user.memberships
        else guid("membership", user.id, account.id),
        account_id=account.id,
        status=status,
        created_on=ctx.now,
        **plan,
    )


def create_user(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST .../users (NewUserRequest)."""
    state = ctx.state
    body = p.obj("request body", ctx.request.json())
    email = p.email("email", body.get("email"))
    names = _names(body)
    auto = p.boolean("auto_activate_memberships", body.get("auto_activate_memberships"))
    accounts = p.array("accounts", body.get("accounts"))
    if not accounts:
        raise p.bad("accounts must list at least one account ({id, permission_profile, groups})")
    plans: list[tuple[Account, dict[str, Any]]] = []
    for i, raw in enumerate(accounts):
        item = p.obj(f"accounts[{i}]", raw)
        account = _body_account(state, f"accounts[{i}].id", item.get("id"))
        if any(a.id == account.id for a, _ in plans):
            raise p.bad(f"accounts[{i}].id {account.id} is listed twice")
        plans.append((account, _membership_plan(account, f"accounts[{i}]", item)))
    default_id = p.guid_field("default_account_id", body.get("default_account_id"), required=False)
    if default_id and all(a.id != default_id for a, _ in plans):
        raise p.bad("default_account_id must be one of the accounts in the request", "invalid_account_id")
    _exists(state, email)
    user = _new_user(ctx, email, names)
    for account, plan in plans:
        _add_membership(ctx, user, account, plan, _new_status(state, email, auto))
    user.default_account_id = default_id or plans[0][0].id
    state.add_user(user)
    ctx.changed()
    return render.new_user(state, user, [a.id for a, _ in plans])


def add_account_user(ctx: Context, organizationId: str, accountId: str) -> dict[str, Any]:
    """POST .../accounts/{accountId}/users: a new user, or an existing one joining this account."""
    state = ctx.state
    account = p.account_of(state, p.guid_param("accountId", accountId))
    body = p.obj("request body", ctx.request.json())
    email = p.email("email", body.get("email"))
    names = _names(body)
    auto = p.boolean("auto_activate_memberships", body.get("auto_activate_memberships"))
    plan = _membership_plan(account, "request", body)
    user = state.user_by_email(email)
    if user is not None and user.redacted_on is None:
        current = user.memberships.get(account.id)
        if current is not None and current.status == "closed":
            raise p.bad(
                f"{email} has a closed membership on {account.name} (membership_id {current.id}); "
                "reactivate it "
                f"with POST .../users/{user.id}/memberships/{current.id}",
                "membership_closed",
            )
        if current is not None:
            raise p.bad(
                f"{email} is already a member of {account.name} ({current.status})", "user_already_exists"
            )
    else:
        user = _new_user(ctx, email, names)
        state.add_user(user)
        user.default_account_id = account.id
    _add_membership(ctx, user, account, plan, _new_status(state, email, auto))
    user.last_modified_on = ctx.now
    ctx.changed()
    return render.new_user(state, user, [account.id])


def update_profiles(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST .../users/profiles: each user item succeeds or fails on its own (``error_details``)."""
    state = ctx.state
    body = p.obj("request body", ctx.request.json())
    items = p.array("users", body.get("users"))
    if not items:
        raise p.bad("users must list at least one user ({id, site_id, ...})")
    for i, raw in enumerate(items):
        item = p.obj(f"users[{i}]", raw)
        p.guid_field(f"users[{i}].id", item.get("id"))
        p.site_id(f"users[{i}].site_id", item.get("site_id"))
        p.array(f"users[{i}].memberships", item.get("memberships"), required=False)
    results = []
    for i, item in enumerate(items):
        user_id = item["id"].lower()
        result: dict[str, Any] = {"id": user_id, "site_id": SITE_ID}
        try:
            user = p.user_of(state, user_id)
            result["email"] = user.email
            apply = _plan_update(state, user, f"users[{i}]", item)
        except ApiError as exc:
            result["error_details"] = {"error": exc.error, "error_description": exc.description}
        else:
            apply(ctx)
            result["email"] = user.email
        results.append(result)
    return {"success": all("error_details" not in r for r in results), "users": results}


def _plan_update(state: State, user: User, where: str, item: dict[str, Any]) -> Callable[[Context], None]:
    """Validate one UpdateUserRequest completely; return the function that applies it."""
    names = _names(item)
    new_email = item.get("email")
    if new_email is not None:
        new_email = p.email(f"{where}.email", new_email)
        if new_email.lower() != user.email.lower():
            _exists(state, new_email)
    default_id = p.guid_field(f"{where}.default_account_id", item.get("default_account_id"), required=False)
    if default_id and default_id not in user.memberships:
        raise p.bad(
            f"{where}.default_account_id {default_id} is not one of the user's accounts", "invalid_account_id"
        )
    changes = []
    for j, raw in enumerate(item.get("memberships") or []):
        mwhere = f"{where}.memberships[{j}]"
        m_item = p.obj(mwhere, raw)
        account = _body_account(state, f"{mwhere}.account_id", m_item.get("account_id"))
        membership = user.memberships.get(account.id)
        if membership is None:
            raise p.bad(f"{user.email} has no membership on {account.name}", "membership_not_in_account")
        if membership.status == "closed":
            raise p.bad(
                f"{user.email}'s membership on {account.name} is closed; reactivate it first",
                "membership_closed",
            )
        profile_id = p.profile_ref(account, f"{mwhere}.permission_profile", m_item.get("permission_profile"))
        group_ids = p.group_refs(account, f"{mwhere}.groups", m_item.get("groups"))
        if group_ids is not None:
            everyone = account.everyone()
            if everyone is not None and everyone.id not in group_ids:
                group_ids.insert(0, everyone.id)
        fields = {
            "job_title": p.text(f"{mwhere}.job_title", m_item.get("job_title")),
            "company_name": p.text(f"{mwhere}.company_name", m_item.get("company_name")),
        }
        send = p.boolean(f"{mwhere}.send_activation", m_item.get("send_activation"))
        changes.append((membership, profile_id, group_ids, fields, send))

    def apply(ctx: Context) -> None:
        for key in ("first_name", "last_name", "language_culture"):
            if names[key] is not None:
                setattr(user, key, names[key])
        if names["user_name"]:
            user.user_name = names["user_name"]
        elif names["first_name"] is not None or names["last_name"] is not None:
            user.user_name = " ".join(x for x in (user.first_name, user.last_name) if x) or user.user_name
        if new_email is not None and new_email.lower() != user.email.lower():
            state.set_email(user, new_email)
        if default_id:
            user.default_account_id = default_id
        for membership, profile_id, group_ids, fields, send in changes:
            if profile_id is not None:
                membership.profile_id = profile_id
            if group_ids is not None:
                membership.group_ids = group_ids
            for key, value in fields.items():
                if value is not None:
                    setattr(membership, key, value)
            if send and membership.status in PENDING:
                membership.status = "activation_sent"
        user.last_modified_on = ctx.now
        ctx.changed()

    return apply


def _is_admin(account: Account, m: Membership) -> bool:
    found = account.profile(m.profile_id)
    return m.status == "active" and found is not None and found.name == ADMIN_PROFILE


def close_memberships(ctx: Context, organizationId: str, userId: str) -> dict[str, Any]:
    """DELETE .../users/{userId}/accounts: close each listed membership, or say per item why not."""
    state = ctx.state
    user = p.user_of(state, p.guid_param("userId", userId))
    body = p.obj("request body", ctx.request.json())
    items = p.array("accounts", body.get("accounts"))
    if not items:
        raise p.bad("accounts must list at least one account ({id}) to close")
    ids = [
        p.guid_field(f"accounts[{i}].id", p.obj(f"accounts[{i}]", raw).get("id"))
        for i, raw in enumerate(items)
    ]
    results = []
    closed_any = False
    for account_id in ids:
        assert account_id is not None
        error = _close_one(ctx, user, account_id)
        if error:
            results.append(
                {"id": account_id, "error_details": {"error": error[0], "error_description": error[1]}}
            )
        else:
            closed_any = True
            results.append({"id": account_id})
    if closed_any:
        user.last_modified_on = ctx.now
        ctx.changed()
    return {"success": all("error_details" not in r for r in results), "accounts": results}


def _close_one(ctx: Context, user: User, account_id: str) -> tuple[str, str] | None:
    state = ctx.state
    account = state.accounts.get(account_id)
    if account is None:
        return "invalid_account_id", f"{account_id} is not an account of this organization"
    m = user.memberships.get(account_id)
    if m is None:
        return "membership_not_in_account", f"{user.email} has no membership on {account.name}"
    if m.status == "closed":
        return "membership_closed", f"{user.email}'s membership on {account.name} is already closed"
    if ctx.caller.id == user.id:
        return "cannot_close_own_membership", "the authenticated user cannot close their own membership"
    if _is_admin(account, m):
        admins = UserQuery(
            account_id=account.id, membership_statuses=frozenset({"active"}), profile_id=m.profile_id
        )
        others = [
            u
            for u in state.users.candidates(admins)
            if u.id != user.id
            and account.id in u.memberships
            and _is_admin(account, u.memberships[account.id])
        ]
        if not others:
            return (
                "cannot_close_last_active_admin",
                f"{user.email} is the last active Account Administrator of {account.name}",
            )
    m.status = "closed"
    m.closed_on = ctx.now
    return None


def activate_membership(ctx: Context, organizationId: str, userId: str, membershipId: str) -> dict[str, Any]:
    """POST .../users/{userId}/memberships/{membershipId}: reactivate a closed, disabled or pending one."""
    user = p.user_of(ctx.state, p.guid_param("userId", userId))
    membership_id = p.guid_param("membershipId", membershipId)
    body = p.obj("request body", ctx.request.json())
    p.site_id("site_id", body.get("site_id"))
    m = next((m for m in user.memberships.values() if m.id == membership_id), None)
    if m is None:
        raise ApiError(
            404, "membership_not_found", f"membershipId {membership_id} is not a membership of {user.email}"
        )
    if m.status == "active":
        raise p.bad(
            f"{user.email}'s membership {membership_id} is already active", "membership_already_active"
        )
    m.status = "active"
    m.closed_on = None
    user.last_modified_on = ctx.now
    ctx.changed()
    return {"status": "success"}


def redact_user(ctx: Context, organizationId: str) -> dict[str, Any]:
    """POST /v2/data_redaction/organizations/{organizationId}/user: purge a user closed for 24 h."""
    state = ctx.state
    body = p.obj("request body", ctx.request.json())
    user_id = p.guid_field("user_id", body.get("user_id"))
    assert user_id is not None
    user = state.users.get(user_id)
    if user is None:
        raise ApiError(404, "user_not_found", f"user_id {user_id} is not a user of this organization")
    for i, raw in enumerate(p.array("memberships", body.get("memberships"), required=False)):
        account_id = p.guid_field(
            f"memberships[{i}].account_id", p.obj(f"memberships[{i}]", raw).get("account_id")
        )
        if account_id not in user.memberships:
            raise p.bad(
                f"memberships[{i}].account_id {account_id} is not one of the user's accounts",
                "invalid_account_id",
            )
    if user.redacted_on is not None:
        return _redaction(user, "already_redacted")
    if user.user_status != "closed":
        open_ = [state.accounts[m.account_id].name for m in user.memberships.values() if m.status != "closed"]
        raise p.bad(
            f"{user.email} is not closed (open memberships: {', '.join(open_)}); close every membership "
            "and wait 24 hours before redacting",
            "user_not_closed",
        )
    closed_on = user.closed_on or ctx.now
    if ctx.now - closed_on < PURGE_WAIT_SECONDS:
        allowed = render.ts(closed_on + PURGE_WAIT_SECONDS)
        raise p.bad(
            f"{user.email} was closed at {render.ts(closed_on)}; data can be redacted 24 hours after "
            f"closing, from {allowed}",
            "user_closed_less_than_24_hours",
        )
    state.set_email(user, f"redacted-{user.id[:8]}@redacted.invalid")
    user.first_name = user.last_name = None
    user.user_name = "Redacted User"
    for m in user.memberships.values():
        m.job_title = m.company_name = None
    user.redacted_on = user.last_modified_on = ctx.now
    ctx.changed()
    return _redaction(user, "success")


def _redaction(user: User, status: str) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "status": status,
        "membership_results": [
            {"account_id": m.account_id, "status": status} for m in user.memberships.values()
        ],
    }
