"""How long ``policies.decide`` takes per call, on the default policy, for each kind of answer.

Run: ``python -m evals.bench.bench_decide [--number N]``. Prints microseconds per decision
(best of five runs of N calls each, so a busy machine shows its quiet moments) for a mix of
calls: allows, denials, confirmations, approvals, malformed calls; and how long loading the
policy file (parse, validate, build the lookup tables) takes. The target is under 50 µs.
"""

from __future__ import annotations

import argparse
import timeit
from functools import partial

from policies import Actor, PolicyState, ResolvedCall, decide, load_policy
from policies.preview import Impact

ADMIN = Actor("admin@acme.com", frozenset({"admin", "employee"}))
APPROVER = Actor("approver@acme.com", frozenset({"approver", "employee"}))
EMPLOYEE = Actor("pat@acme.com", frozenset({"employee"}))
NOBODY = Actor("stranger@example.com", frozenset())


def _call(action: str, operation: str, **fields) -> ResolvedCall:
    args = dict(fields.pop("args", {}))
    if action != "list_users":
        args.setdefault("operation", operation)
    if fields.get("target_email"):
        args.setdefault("email", fields["target_email"])
    if fields.get("permission_profile"):
        args.setdefault("permission_profile", fields["permission_profile"])
    if fields.get("account_names"):
        args.setdefault("account", fields["account_names"][0])
    return ResolvedCall(action, operation, args=args, **fields)


EMEA = {"account_names": ("EMEA",), "account_ids": ("2f3c9f0e-0000-4000-8000-000000000001",)}
CASES = [
    ("admin list_users (allow)", ADMIN, _call("list_users", "list", page_size=100, args={"page_size": 100}),
     PolicyState()),
    ("employee own memberships (allow)", EMPLOYEE,
     _call("list_account", "user_memberships", target_email=EMPLOYEE.email), PolicyState()),
    ("employee seat request (needs_approval)", EMPLOYEE,
     _call("manage_user", "provision", target_email=EMPLOYEE.email, permission_profile="DocuSign Sender",
           **EMEA), PolicyState()),
    ("employee seat, approved (allow)", EMPLOYEE,
     _call("manage_user", "provision", target_email=EMPLOYEE.email, permission_profile="DocuSign Sender",
           **EMEA), PolicyState(approved_by=APPROVER.email)),
    ("employee asks Account Administrator (deny)", EMPLOYEE,
     _call("manage_account_membership", "change_permission_profile", target_email=EMPLOYEE.email,
           permission_profile="Account Administrator", **EMEA), PolicyState()),
    ("employee changes someone else (deny)", EMPLOYEE,
     _call("manage_account_membership", "change_permission_profile", target_email="lee@acme.com",
           permission_profile="DocuSign Viewer", **EMEA), PolicyState()),
    ("admin purge (needs_confirmation)", ADMIN, _call("manage_user", "purge", target_email="lee@acme.com"),
     PolicyState()),
    ("admin purge confirmed (needs_approval)", ADMIN,
     _call("manage_user", "purge", target_email="lee@acme.com"), PolicyState(confirmed=True)),
    ("admin grants Account Administrator (needs_confirmation: condition)", ADMIN,
     _call("manage_account_membership", "change_permission_profile", target_email="lee@acme.com",
           permission_profile="Account Administrator", **EMEA),
     PolicyState(impact=Impact(grants_admin=("EMEA",), accounts=1))),
    ("admin closes on two accounts (needs_confirmation: condition)", ADMIN,
     _call("manage_user", "close", target_email="lee@acme.com", **EMEA),
     PolicyState(impact=Impact(closes=2, accounts=2))),
    ("admin plain group change, every condition checked (allow)", ADMIN,
     _call("manage_account_membership", "add_groups", target_email="lee@acme.com", **EMEA),
     PolicyState(impact=Impact(accounts=1))),
    ("admin demotes the last administrator (deny: guard)", ADMIN,
     _call("manage_account_membership", "change_permission_profile", target_email="lee@acme.com",
           permission_profile="DocuSign Sender", **EMEA),
     PolicyState(confirmed=True, impact=Impact(removes_admin=("EMEA",), last_admin=("EMEA",), accounts=1))),
    ("unknown person (deny)", NOBODY, _call("list_account", "organization"), PolicyState()),
    ("unknown field (deny)", ADMIN, _call("manage_user", "close", target_email="lee@acme.com",
                                          args={"sudo": True}), PolicyState()),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="decisions per timing run")
    number = parser.parse_args().number

    load_us = min(timeit.repeat(load_policy, number=20, repeat=5)) / 20 * 1e6
    policy = load_policy()
    print(f"load_policy() (packaged default): {load_us:8.0f} µs")
    print(f"decide(), min and median of 5 runs of {number} calls, and the min as a ratio of the anchor "
          "(a call to a function doing one dict lookup, timed in the same run):")
    table = policy.tables
    anchor_runs = timeit.repeat(lambda: table.get(("list_users", "list")), number=number, repeat=5)
    anchor = min(anchor_runs) / number * 1e6
    worst = 0.0
    total = 0.0
    for label, actor, call, state in CASES:
        kind = decide(policy, actor, call, state).kind
        runs = sorted(t / number * 1e6 for t in timeit.repeat(
            partial(decide, policy, actor, call, state), number=number, repeat=5))
        per_call = runs[0]
        worst = max(worst, per_call)
        total += per_call
        ratio = per_call / anchor
        print(f"  {per_call:6.2f} µs (median {runs[2]:6.2f}, {ratio:5.0f}x anchor)  {label}  -> {kind}")
    print(f"anchor {anchor:.3f} µs; mean {total / len(CASES):.2f} µs, worst {worst:.2f} µs per decision "
          "(target < 50 µs)")

if __name__ == "__main__":
    main()
