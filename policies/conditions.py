"""Conditions under which a write needs the person's confirmation, and guards that deny it outright.

Why a closed vocabulary: a policy file names conditions (``confirm_when: [grants_admin_profile,
{touches_more_than: 3}]``); each name is a row of ``CONDITIONS`` (what it takes, how ``policy
check`` explains it, the test ``decide`` runs), so an unknown or misspelt name fails the load
instead of silently never firing. Each test reads only the call, the actor and the ``Impact`` the
gate gathered: a few attribute reads, so ``decide`` stays total and fast.

The guards are not configurable: no policy may let an account lose its last administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policies.call import Actor, ResolvedCall
from policies.preview import Impact

Test = Callable[[Actor, ResolvedCall, Impact, int], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    takes_number: bool
    explain: str  # '{n}' is the number, for those that take one
    test: Test


def _own(actor: Actor, call: ResolvedCall) -> bool:
    return (call.target_email or "").strip().lower() == actor.email.strip().lower()


CONDITIONS: dict[str, Condition] = {c.name: c for c in (
    Condition("grants_admin_profile", False,
              "the write gives someone an administrator profile on an account",
              lambda a, c, i, n: bool(i.grants_admin)),
    Condition("changes_own_access", False,
              "the write changes the requester's own access (status, permission profile or groups) and "
              "would otherwise run at once",
              lambda a, c, i, n: i.accounts > 0 and _own(a, c)),
    Condition("multi_account", False,
              "the write closes or removes access on more than one account",
              lambda a, c, i, n: i.closes > 1),
    Condition("touches_more_than", True,
              "the write changes access on more than {n} accounts",
              lambda a, c, i, n: i.accounts > n),
)}


@dataclass(frozen=True, slots=True)
class Rule:
    """A condition as the policy file set it (with its number, if it takes one)."""

    condition: Condition
    number: int = 0
    holds_fn: Callable[[Actor, ResolvedCall, Impact], bool] | None = None

    def __post_init__(self) -> None:
        test, number = self.condition.test, self.number
        object.__setattr__(self, "holds_fn", lambda a, c, i: test(a, c, i, number))

    @property
    def label(self) -> str:
        return f"{self.condition.name}: {self.number}" if self.condition.takes_number else self.condition.name

    def explain(self) -> str:
        return self.condition.explain.format(n=self.number)


def parse_rule(entry: Any) -> Rule:
    """``name`` or ``{name: number}`` -> Rule; ValueError naming what is wrong (the load fails)."""
    known = ", ".join(CONDITIONS)
    if isinstance(entry, str):
        name, number = entry.strip(), None
    elif isinstance(entry, dict) and len(entry) == 1:
        name, number = next(iter(entry.items()))
        name = str(name).strip()
    else:
        raise ValueError(f"a condition is a name or {{name: number}}, not {entry!r}; known: {known}")
    condition = CONDITIONS.get(name)
    if condition is None:
        raise ValueError(f"unknown condition {name!r}; known conditions: {known}")
    if condition.takes_number:
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ValueError(f"condition {name!r} takes a whole number >= 0, as {{{name}: 3}}")
        return Rule(condition, number)
    if number is not None:
        raise ValueError(f"condition {name!r} takes no number; write it as a plain name")
    return Rule(condition)


# -- guards -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Guard:
    name: str
    explain: str
    reason: Callable[[Actor, ResolvedCall, Impact], str | None]


def _last_admin(actor: Actor, call: ResolvedCall, impact: Impact) -> str | None:
    if not impact.last_admin:
        return None
    where = ", ".join(impact.last_admin)
    return (f"guard last_admin: {call.target_email} is the last active holder of an administrator profile "
            f"on {where}; closing, removing or demoting them would leave the account without an "
            "administrator. Give someone else an administrator profile there first")


def _own_last_admin(actor: Actor, call: ResolvedCall, impact: Impact) -> str | None:
    if not (impact.removes_admin and impact.admin_kept == 0 and _own(actor, call)):
        return None
    return (f"guard own_last_admin: this would remove {actor.email}'s own last administrator membership "
            f"({', '.join(impact.removes_admin)}); another administrator must do it")


GUARDS: tuple[Guard, ...] = (
    Guard("last_admin", "denies closing, removing or demoting the last active holder of an administrator "
          "profile on an account", _last_admin),
    Guard("own_last_admin", "denies an administrator removing their own last administrator membership",
          _own_last_admin),
)


def guard_denial(actor: Actor, call: ResolvedCall, impact: Impact) -> tuple[str, str] | None:
    """(guard name, reason) of the first guard the write trips, else None."""
    for guard in GUARDS:
        reason = guard.reason(actor, call, impact)
        if reason:
            return guard.name, reason
    return None
