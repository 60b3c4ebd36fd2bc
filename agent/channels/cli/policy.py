"""``dsadmin policy``: check a policy file and show the matrix it produces.

Only typer is imported at module level (``dsadmin --help`` stays fast); the policy layer and rich
load inside the command.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from policies.engine import Policy, RoleGrant

app = typer.Typer(no_args_is_help=True)


@app.callback()
def _policy() -> None:
    """Validate a policy and show who may do what."""


@app.command("check")
def check(
    file: Path | None = typer.Argument(
        None, help="Policy file (default: the configuration's policy.path, else the packaged default)."
    ),
) -> None:
    """Validate a policy; print who may do what, and what needs approval or confirmation."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from policies.engine import PolicyError, load_policy
    from policies.model import OPERATIONS, ROLE_NAMES

    console = Console(width=max(Console().width, 160))
    people = None
    if file is None:
        from agent.config import ConfigError, load_config

        try:
            config = load_config()
        except ConfigError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        file = config.policy.path
        people = config.people
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None

    console.print(f"[bold]{escape(str(policy.source))}[/]: valid")
    if policy.document.description:  # as written (no markup), and bounded: wrapping cost grows fast
        console.print(_bounded(policy.document.description), markup=False, highlight=False)
    if people is not None:
        console.print(_bounded("people: " + "; ".join(
            f"{label}: {', '.join(entries) or '(nobody)'}"
            for label, entries in (("admins", people.admins), ("approvers", people.approvers),
                                   ("employees", people.employees)))), markup=False, highlight=False)

    table = Table(title="Who may do what", show_lines=False)
    table.add_column("action", no_wrap=True)
    table.add_column("operation", no_wrap=True)
    for role in ROLE_NAMES:
        table.add_column(role)
    table.add_column("confirmation")
    for action, operations in OPERATIONS.items():
        for operation in operations:
            entry = policy.table(action, operation)
            assert entry is not None
            cells = []
            for role in ROLE_NAMES:
                grant = entry.grants.get(role) if entry.enabled else None
                cells.append(_cell(grant))
            confirm = "yes" if entry.enabled and entry.confirmation else "—"
            if not entry.enabled:
                cells = ["[dim]disabled[/]"] * len(ROLE_NAMES)
            table.add_row(action, operation, *cells, confirm)
    console.print(table)

    limits = Table(title="Constraints per role")
    for column in ("role", "accounts", "permission profiles", "max page size"):
        limits.add_column(column)
    for role in ROLE_NAMES:
        lim = policy.document.limits(role)
        scopes = [s for s in (policy.document.constraints.accounts, lim.accounts) if s != "*"]
        accounts = " and ".join("one of " + ", ".join(s) for s in scopes) or "every account"
        allow, deny = lim.permission_profiles.allow, lim.permission_profiles.deny
        profiles = "any" if allow == "*" else "only " + ", ".join(allow)
        if deny:
            profiles += "; never " + ", ".join(deny)
        limits.add_row(role, escape(_bounded(accounts)), escape(_bounded(profiles)), str(lim.max_page_size))
    console.print(limits)
    _explain_conditions(console, policy)
    if policy.approval_profiles and policy.profile_approval:
        named = ", ".join(policy.document.constraints.approval_required_profiles)
        console.print(f"Granting or touching {named} always needs "
                      f"approval by an {policy.profile_approval.role} "
                      f"(valid {_duration(policy.profile_approval.ttl_seconds)}).")


_SHOWN = 500  # characters of free text `policy check` prints


def _bounded(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"… ({len(text) - _SHOWN} more characters)"


def _explain_conditions(console: "Console", policy: "Policy") -> None:
    """The confirmation conditions, guards and per-request limits, each as a person reads it."""
    from policies.conditions import GUARDS

    c = policy.document.constraints
    console.print("[bold]Confirmation by condition[/] (writes that would otherwise run at once):")
    for rule in policy.confirm_rules:
        console.print(f"  - {rule.label}: asks the person to confirm when {rule.explain()}")
    if not policy.confirm_rules:
        console.print("  (none: only the operations marked in the table ask)")
    console.print("[bold]Guards[/] (always on; a guarded write is denied, naming the guard):")
    for guard in GUARDS:
        console.print(f"  - {guard.name}: {guard.explain}")
    console.print(f"Administrator profiles: where DocuSign marks a membership is_admin, that; else "
                  f"{', '.join(c.admin_profiles) or '(none named)'}.")
    console.print(f"A request making more than {c.max_writes_per_request} writes, or any write when it "
                  "reads as a question, stops and asks one confirmation listing every write.")
    console.print(f"A requester may have at most {c.max_open_requests} approval requests waiting; an "
                  "identical request joins the one already waiting.")


def _cell(grant: "RoleGrant | None") -> str:
    if grant is None:
        return "[red]no[/]"
    terms = ["[green]yes[/]"]
    if grant.self_only:
        terms.append("self only")
    if grant.approval:
        terms.append(f"approval: {grant.approval.role}, {_duration(grant.approval.ttl_seconds)}")
    return "; ".join(terms)


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
