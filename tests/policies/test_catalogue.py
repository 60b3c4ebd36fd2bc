"""The catalogue of actions: consistent with itself, at the bottom of the stack, and what the
README shows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from policies import catalogue
from policies.model import ACCOUNT_FREE, OPERATIONS, TARGETLESS

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_catalogue_imports_the_standard_library_only():
    imported = {name.split(".")[0] for name in _imports(ROOT / "policies" / "catalogue.py")}
    assert imported <= {"__future__", "collections", "dataclasses", "typing"}, imported


def test_no_policies_module_imports_tools_or_agent_at_all():
    """policies sit below tools and agent; the command-line module is the one exception left (it
    moves up to agent/ with the other command-line modules)."""
    offenders = {}
    for path in (ROOT / "policies").glob("*.py"):
        if path.name == "cli.py":
            continue
        upward = {n for n in _imports(path) if n.split(".")[0] in ("tools", "agent", "evals")}
        if upward:
            offenders[path.name] = sorted(upward)
    assert offenders == {}


@pytest.mark.parametrize("act", catalogue.ACTIONS, ids=lambda a: a.name)
def test_each_operation_names_only_its_actions_fields_once(act):
    fields = {f.name for f in act.fields}
    assert len(fields) == len(act.fields)
    assert all(f.kind in catalogue.KINDS for f in act.fields)
    assert len(set(act.operation_names)) == len(act.operations)
    for op in act.operations:
        named = op.required + op.optional + op.exactly_one_of + op.at_least_one_of
        assert set(named) <= fields, (op.name, set(named) - fields)
        assert len(named) == len(set(named)), f"{op.name} names a field twice"
        if act.takes_operation:  # the model reads each required field in the operation's description
            told = op.summary + act.operation_intro
            assert all(name in told for name in op.required), op.name


def test_policy_tables_follow_the_catalogue():
    assert {(a, o) for a, ops in OPERATIONS.items() for o in ops} == \
        {(a.name, o.name) for a in catalogue.POLICY_ACTIONS for o in a.operations}
    # bulk_users is judged row by row (each row as manage_user / manage_account_membership)
    assert "bulk_users" not in OPERATIONS and catalogue.CATALOGUE["bulk_users"].judged_by_rows
    targetless = {("list_account", "organization"), ("list_account", "permission_profiles"),
                  ("list_account", "groups")}
    assert targetless == TARGETLESS
    # a purge names no account yet concerns the whole user: never free of a role's account scope
    account_free = {("list_account", "organization"), ("list_account", "user_memberships")}
    assert account_free == ACCOUNT_FREE


def test_operation_problems_name_what_to_fix():
    assert catalogue.operation_problems("manage_user", {"operation": "purge", "email": "a@acme.com",
                                                        "account": "EMEA", "groups": ["Sales"]}) == [
        "purge does not take 'account' (it is for operations 'provision', 'update', 'close', 'reactivate' "
        "only); remove it",
        "purge does not take 'groups' (it is for operations 'provision', 'reactivate' only); remove it",
    ]
    assert catalogue.operation_problems("manage_user", {"operation": "erase"}) == [
        "unknown operation 'erase' for manage_user; its operations are provision, update, close, "
        "reactivate, purge"]
    assert catalogue.operation_problems("drop_users", {}) == [
        "unknown action 'drop_users'; the actions are list_users, manage_user, list_account, "
        "manage_account_membership, bulk_users"]


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index("<!-- catalogue -->\n"), text.index("<!-- /catalogue -->")
    return text[start + len("<!-- catalogue -->\n"):end]


def test_the_readme_section_is_the_catalogue():
    """Regenerate with: dsadmin catalogue --markdown (between the README's catalogue markers)."""
    assert readme_section() == catalogue.markdown()

