"""Every write operation with its answer lost (5xx, timeout, reset; applied or not): through the gate.

Judged against a fault-free twin: the sandbox ends exactly as the twin does, DocuSign received each
write at most once more than it applied (never applied twice), and the person is told what is true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

ADMIN, APPROVER = "admin@acme.com", "approver@acme.com"
APPLIED_NOTE = "reading the user back shows the change is in place"
RESENT_NOTE = "showed nothing had changed, so the request was sent once more"


@dataclass
class Faulty(httpx.BaseTransport):
    """In front of the sandbox: the ``nth`` write (1-based) meets ``fault``; ``reads_fail`` makes every
    read after that write answer 503 (the read-back cannot get through either).

    ``applied`` counts the writes that reached the sandbox and succeeded there.
    """

    inner: httpx.BaseTransport
    fault: str
    nth: tuple[int, ...] = (1,)
    reads_fail: bool = False
    writes: int = 0
    applied: int = 0
    faulted: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            if self.reads_fail and self.faulted and "/Management/" in str(request.url):
                return httpx.Response(503, json={"error": "service_unavailable"})
            return self.inner.handle_request(request)
        if "/oauth/" in request.url.path:
            return self.inner.handle_request(request)
        self.writes += 1
        if self.writes not in self.nth:
            return self._forward(request)
        self.faulted.append(self.fault)
        applied, _, how = self.fault.partition(":")
        if applied == "applied":
            self._forward(request)
        if how == "503":
            return httpx.Response(503, json={"error": "service_unavailable"})
        if how == "timeout":
            raise httpx.ReadTimeout("timed out waiting for DocuSign", request=request)
        raise httpx.RemoteProtocolError("peer closed connection without sending a response", request=request)

    def _forward(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code < 300:
            self.applied += 1
        return response


def faulty(world: Any, fault: str, **kw: Any) -> Faulty:
    wrapper = Faulty(world.wire.inner, fault, **kw)
    world.wire.inner = wrapper
    return wrapper


def _purge(world: Any) -> Any:
    world.sandbox.clock.advance(hours=13)
    asked = world.submit(ADMIN, "manage_user", operation="purge", email="lisa.wong@acme.com")
    confirmed = world.gate.confirm(world.actor(ADMIN), asked.token)
    return world.gate.approve(world.actor(APPROVER), confirmed.approval_id)


def _merge_maya(world: Any) -> None:
    world.sandbox.merge({"users": [{"email": "maya.chen@acme.com", "first_name": "Maya", "last_name": "Chen",
                                    "memberships": {"Acme Main": {"permission_profile": "DocuSign Sender",
                                                                  "groups": ["Sales"]}}}]})


def _submit(action: str, **args: Any) -> Callable[[Any], Any]:
    return lambda world: world.submit(ADMIN, action, **args)


# (write method it makes, how to ask for it)
WRITES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "provision-new": ("create_user", _submit(
        "manage_user", operation="provision", email="new.hire@acme.com", first_name="New", last_name="Hire",
        account="Acme Main", permission_profile="DocuSign Sender", groups=["Sales"])),
    "provision-existing": ("add_account_user", _submit(
        "manage_user", operation="provision", email="sam.lee@acme.com", account="EMEA",
        permission_profile="DocuSign Viewer", groups=["Finance"])),
    "update-names": ("update_users", _submit(
        "manage_user", operation="update", email="sam.lee@acme.com", last_name="Lee-Park")),
    "close": ("close_memberships", _submit(
        "manage_user", operation="close", email="sam.lee@acme.com", account="Acme Main")),
    "reactivate": ("activate_membership", _submit(
        "manage_user", operation="reactivate", email="tom.baker@acme.com", account="Acme Main")),
    "purge": ("redact_user", _purge),
    "add-to-account": ("add_account_user", _submit(
        "manage_account_membership", operation="add_to_account", email="sam.lee@acme.com", account="EMEA",
        permission_profile="DocuSign Viewer")),
    "remove-from-account": ("close_memberships", _submit(
        "manage_account_membership", operation="remove_from_account", email="sam.lee@acme.com",
        account="Acme Main")),
    "change-profile": ("update_users", _submit(
        "manage_account_membership", operation="change_permission_profile", email="sam.lee@acme.com",
        account="Acme Main", permission_profile="DocuSign Viewer")),
    "add-groups": ("update_users", _submit(
        "manage_account_membership", operation="add_groups", email="maya.chen@acme.com",
        account="Acme Main", groups=["Finance"])),
    "set-groups": ("update_users", _submit(
        "manage_account_membership", operation="set_groups", email="maya.chen@acme.com",
        account="Acme Main", groups=["Finance"])),
    "remove-groups": ("update_users", _submit(
        "manage_account_membership", operation="remove_groups", email="maya.chen@acme.com",
        account="Acme Main", groups=["Sales"])),
}

FAULTS = ["applied:503", "applied:timeout", "applied:reset", "unapplied:503", "unapplied:timeout"]


def _pair(make_world: Callable[[], Any]) -> tuple[Any, Any]:
    twins = make_world(), make_world()
    for world in twins:
        _merge_maya(world)
    return twins


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("case", list(WRITES))
def test_a_lost_answer_is_read_back_and_reported_as_it_is(make_world, case, fault):
    method, ask = WRITES[case]
    reference, world = _pair(make_world)
    expected = ask(reference)
    assert expected.kind == "ok" and expected.changed, expected
    reference_writes = len(reference.writes())

    wire = faulty(world, fault)
    result = ask(world)

    assert wire.faulted == [fault], "the fault must hit the operation's write"
    assert result.kind == "ok" and result.changed, result
    assert _users(world) == _users(reference)  # the sandbox holds exactly what a clean run leaves
    assert wire.applied == reference_writes  # each write applied once, never twice
    if fault.startswith("applied"):
        assert APPLIED_NOTE in result.summary and RESENT_NOTE not in result.summary
        assert wire.writes == reference_writes  # not sent again
    else:
        assert RESENT_NOTE in result.summary
        assert wire.writes == reference_writes + 1  # sent once more, after the read-back
    assert result.summary.startswith(expected.summary)
    assert reference.writes()[0].path_template.endswith(_TAIL[method])
    (done,) = [e for e in world.events("action_result") if e.payload.get("changed")]
    assert done.payload["outcome"] == "done"


_TAIL = {
    "create_user": "/users",
    "add_account_user": "/accounts/{accountId}/users",
    "update_users": "/users/profiles",
    "close_memberships": "/users/{userId}/accounts",
    "activate_membership": "/memberships/{membershipId}",
    "redact_user": "/user",
}


def test_the_sandboxs_own_lost_response_on_a_close_is_not_resent(make_world):
    """The red-team case: close's answer lost; the resend met "already closed" and was called refused."""
    reference, world = _pair(make_world)
    _, ask = WRITES["close"]
    assert ask(reference).kind == "ok"
    world.sandbox.fail_next(1, after_write=True)
    result = ask(world)
    assert result.kind == "ok" and APPLIED_NOTE in result.summary, result
    assert "refused" not in result.summary
    assert _users(world) == _users(reference)
    deletes = [r.status for r in world.sandbox.requests if r.method == "DELETE"]
    assert deletes == [503]


@pytest.mark.parametrize("case", ["close", "change-profile", "reactivate"])
def test_a_write_lost_twice_and_not_applied_is_reported_not_applied(make_world, case):
    _, world = _pair(make_world)
    before = world.dump()
    wire = faulty(world, "unapplied:timeout", nth=(1, 2))
    result = WRITES[case][1](world)
    assert result.kind == "error", result
    assert "was not applied" in result.message and "nothing was changed" in result.message
    assert world.dump() == before and wire.applied == 0 and wire.writes == 2


@pytest.mark.parametrize("case", ["provision-new", "close", "change-profile", "purge"])
def test_a_lost_answer_that_cannot_be_read_back_is_reported_unknown(make_world, case):
    """DocuSign applied it, the answer and every read-back were lost: say so, never "nothing changed"."""
    reference, world = _pair(make_world)
    assert WRITES[case][1](reference).kind == "ok"
    wire = faulty(world, "applied:503", reads_fail=True)
    result = WRITES[case][1](world)
    assert result.kind == "error", result
    assert "may or may not have been applied" in result.message and "was not sent again" in result.message
    assert "nothing was changed" not in result.message and "refused" not in result.message
    assert "user_memberships" in (result.fix or "")
    assert _users(world) == _users(reference) and wire.writes == wire.applied == 1


def test_the_second_write_of_a_reactivation_lost_is_read_back(make_world):
    reference, world = _pair(make_world)
    ask = _submit("manage_user", operation="reactivate", email="tom.baker@acme.com", account="Acme Main",
                  permission_profile="DocuSign Viewer")
    assert ask(reference).kind == "ok" and len(reference.writes()) == 2
    wire = faulty(world, "applied:timeout", nth=(2,))
    result = ask(world)
    assert result.kind == "ok" and APPLIED_NOTE in result.summary, result
    assert _users(world) == _users(reference) and wire.writes == wire.applied == 2


def test_a_job_title_cannot_be_read_back_so_its_lost_answer_stays_unknown(make_world):
    """The Admin API never shows job titles: the outcome is not guessed, and repeating is safe."""
    _, world = _pair(make_world)
    wire = faulty(world, "applied:503")
    result = world.submit(ADMIN, "manage_user", operation="update", email="sam.lee@acme.com",
                          job_title="Marketing Lead", account="Acme Main")
    assert result.kind == "error" and "does not show job titles" in result.message, result
    assert "safe to repeat" in (result.fix or "")
    assert world.membership("sam.lee@acme.com", "Acme Main")["job_title"] == "Marketing Lead"
    assert wire.writes == 1


def _users(world: Any) -> dict[str, Any]:
    """Every user as the sandbox holds them, without times (the twins run a moment apart)."""
    return {u["email"]: _timeless(u) for u in world.dump()["users"]}


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if not k.endswith(("_on", "_at", "_ago"))}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value
