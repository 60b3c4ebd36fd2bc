"""Nothing but the gate can reach a DocuSign write: structurally (who opens a permit) and at run time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("agent", "tools", "policies", "audit", "evals")
# The gate is a package (tools/gate/: the pipeline, consent, jobs, ...); its modules are the gate, and
# only they may open a permit. Nothing outside it may reach into its private modules either, where
# a permit-opening helper would otherwise hide from the walk below.
GATE = Path("tools/gate")
GUARD = Path("tools/docusign/guard.py")
# The client package re-exports the guard's names; a re-export is no use, and every module that
# takes ``permit`` from the package is caught below like one taking it from the guard.
CLIENT_PACKAGE = Path("tools/docusign/__init__.py")
PERMIT_NAMES = {"permit", "_current"}


def product_modules() -> list[Path]:
    return sorted(p.relative_to(ROOT) for pkg in PRODUCT_PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def permit_uses(path: Path) -> list[str]:
    """Every way a module could open a write permit: importing it, or reaching it through the guard."""
    tree = ast.parse((ROOT / path).read_text(), filename=str(path))
    found = []
    guard_aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and ((node.module or "").endswith("guard")
                                                 or node.module == "tools.docusign"):
            for alias in node.names:
                if alias.name in PERMIT_NAMES or alias.name == "*":
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        if isinstance(node, ast.ImportFrom) and node.module == "tools.docusign":
            for alias in node.names:
                if alias.name == "guard":
                    guard_aliases.add(alias.asname or "guard")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.endswith("docusign.guard"):
                    guard_aliases.add((alias.asname or alias.name).split(".")[-1])
                    guard_aliases.add(alias.asname or alias.name.split(".")[0])
        if isinstance(node, ast.Attribute) and node.attr in PERMIT_NAMES:
            base = node.value
            name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
            if name == "guard" or name in guard_aliases:
                found.append(f"line {node.lineno}: {name}.{node.attr}")
        func = node.func if isinstance(node, ast.Call) else None
        called = getattr(func, "id", None) or getattr(func, "attr", None)
        if called in ("__import__", "import_module") and any(
                isinstance(a, ast.Constant) and "guard" in str(a.value) for a in node.args):
            found.append(f"line {node.lineno}: dynamic import of the guard")
    return found


def test_only_the_gate_opens_write_permits():
    offenders = {}
    for path in product_modules():
        if path.is_relative_to(GATE) or path in (GUARD, CLIENT_PACKAGE):
            continue
        uses = permit_uses(path) + gate_internals(path)
        if uses:
            offenders[str(path)] = uses
    assert offenders == {}, f"only {GATE}/ may open a DocuSign write permit; found: {offenders}"
    gate_modules = [p for p in product_modules() if p.is_relative_to(GATE)]
    assert any(permit_uses(p) for p in gate_modules), \
        "the gate itself no longer opens permits: the walk above tests nothing"


def gate_internals(path: Path) -> list[str]:
    """Imports of the gate's private modules (``tools.gate._x``) from outside the gate."""
    tree = ast.parse((ROOT / path).read_text(), filename=str(path))
    names = [(node.lineno, node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    names += [(node.lineno, alias.name) for node in ast.walk(tree) if isinstance(node, ast.Import)
              for alias in node.names]
    return [f"line {line}: import of {name}" for line, name in names if name.startswith("tools.gate._")]


def test_the_walk_catches_each_way_in(tmp_path):
    """The detector itself: each form of reaching the permit is reported (so the test above can fail)."""
    samples = {
        "a.py": "from tools.docusign.guard import permit\n",
        "b.py": "from tools.docusign import guard\nwith guard.permit('x'):\n    pass\n",
        "c.py": "import tools.docusign.guard as g\ng.permit('x')\n",
        "d.py": "from tools.docusign.guard import _current\n_current.set('x')\n",
        "e.py": "import importlib\nimportlib.import_module('tools.docusign.guard')\n",
        "f.py": "from tools.docusign import permit\n",
        "g.py": "from tools.docusign import guard as gd\ngd.permit('x')\n",
    }
    for name, source in samples.items():
        (tmp_path / name).write_text(source)
        assert permit_uses_at(tmp_path, Path(name)), f"{name} was not caught: {source!r}"
    (tmp_path / "ok.py").write_text("from tools.docusign.guard import require_permit\n")
    assert not permit_uses_at(tmp_path, Path("ok.py"))
    (tmp_path / "h.py").write_text("from tools.gate._pipeline import permit\n")
    (tmp_path / "i.py").write_text("import tools.gate._jobs\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert gate_internals(Path("h.py")) and gate_internals(Path("i.py"))
        assert not gate_internals(Path("ok.py"))
    finally:
        ROOT = saved


def permit_uses_at(root: Path, path: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, root
    try:
        return permit_uses(path)
    finally:
        ROOT = saved


@pytest.mark.parametrize("method", ["create_user", "add_account_user", "update_users", "close_memberships",
                                    "activate_membership", "redact_user"])
def test_a_write_outside_the_gate_is_refused_and_changes_nothing(method):
    from tools.docusign import AdminClient, TokenAuth
    from tools.docusign.guard import GateBypassError
    from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox

    sandbox = Sandbox.from_fixture("acme")
    before = sandbox.dump()
    served_before = len(sandbox.requests)
    client = AdminClient(SANDBOX_ADMIN_URL, TokenAuth(sandbox.issue_token()), transport=sandbox.transport())
    org, acct = sandbox.organization_id, sandbox.account_id("Acme Main")
    user = "00000000-0000-0000-0000-000000000001"
    bodies = {
        "create_user": (org, {"email": "eve@acme.com", "accounts": [{"id": acct}]}),
        "add_account_user": (org, acct, {"email": "eve@acme.com"}),
        "update_users": (org, {"users": [{"id": user, "site_id": 1, "first_name": "Eve"}]}),
        "close_memberships": (org, user, {"accounts": [{"id": acct}]}),
        "activate_membership": (org, user, user, {"site_id": 1}),
        "redact_user": (org, {"user_id": user}),
    }
    with pytest.raises(GateBypassError):
        getattr(client, method)(*bodies[method])
    assert sandbox.dump() == before
    assert len(sandbox.requests) == served_before, "the refused write still reached DocuSign"

