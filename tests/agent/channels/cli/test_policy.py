"""`dsadmin policy check` as a person runs it: a separate process, real files, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from policies import DEFAULT_POLICY_PATH

DSADMIN = Path(sys.executable).with_name("dsadmin")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([str(DSADMIN), "policy", "check", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def _rows(stdout: str) -> dict[str, list[str]]:
    """The matrix rows, keyed 'action operation', cells stripped."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 6 and cells[0] and cells[1]:
            rows[f"{cells[0]} {cells[1]}"] = cells[2:]
    return rows


def test_default_policy_matrix(tmp_path):
    result = _run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{DEFAULT_POLICY_PATH}: valid" in result.stdout
    assert "admins: admin@acme.com; approvers: approver@acme.com; employees: @acme.com" in result.stdout
    rows = _rows(result.stdout)
    assert len(rows) == 16  # every operation, once
    assert rows["manage_user purge"] == ["yes; approval: approver, 1d", "no", "no", "yes"]
    assert rows["manage_user provision"] == ["yes", "no", "yes; self only; approval: approver, 3d", "—"]
    assert rows["list_users list"] == ["yes", "yes", "no", "—"]
    assert rows["list_account user_memberships"] == ["yes", "yes", "yes; self only", "—"]
    assert "never Account Administrator" in result.stdout


def test_a_given_file_with_constraints(tmp_path):
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data["constraints"].update(approval_required_profiles=["Account Administrator"],
                               profile_approval={"role": "approver", "ttl_seconds": 7200})
    data["actions"]["manage_user"]["update"]["enabled"] = False
    file = tmp_path / "strict.yaml"
    file.write_text(yaml.safe_dump(data))
    result = _run(str(file), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout)["manage_user update"] == ["disabled"] * 3 + ["—"]
    assert "Granting or touching Account Administrator always needs approval by an approver (valid 2h)" \
        in " ".join(result.stdout.split())


def test_a_bad_file_exits_1_naming_each_field(tmp_path):
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data["actions"]["manage_user"]["purge"]["confirmation"] = False
    data["actions"]["list_users"]["list"]["roles"] = ["admin", "auditor"]
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(data))
    result = _run(str(file), cwd=tmp_path)
    assert result.returncode == 1
    assert "actions.manage_user.purge.confirmation: a purge is irreversible" in result.stderr
    assert "actions.list_users.list.roles.auditor: unknown name 'auditor'" in result.stderr
    assert "Who may do what" not in result.stdout


def test_an_action_or_operation_the_catalogue_lacks_fails_naming_it_and_the_known_ones(tmp_path):
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data["actions"]["manage_user"]["deprovision"] = data["actions"]["manage_user"].pop("close")
    data["actions"]["manage_users"] = {"list": {"roles": ["admin"]}}
    file = tmp_path / "misspelt.yaml"
    file.write_text(yaml.safe_dump(data))
    result = _run(str(file), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())
    assert ("actions.manage_user.deprovision: unknown operation 'deprovision' for manage_user; its "
            "operations are provision, update, close, reactivate, purge") in text
    assert ("actions.manage_users: unknown action 'manage_users'; the actions are list_users, manage_user, "
            "list_account, manage_account_membership") in text
    assert "Who may do what" not in result.stdout


def test_the_configured_policy_is_checked_by_default(tmp_path):
    (tmp_path / "p.yaml").write_text("version: 1\nactions: {list_users: {list: {roles: [admin]}}}\n")
    (tmp_path / "dsadmin.yaml").write_text("policy:\n  path: p.yaml\npeople:\n  admins: [admin@acme.com]\n")
    result = _run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "p.yaml: valid" in result.stdout
    assert _rows(result.stdout)["manage_user purge"] == ["disabled"] * 3 + ["—"]


def test_check_explains_each_condition_and_guard_and_names_an_unknown_one(tmp_path):
    shown = _run(str(DEFAULT_POLICY_PATH), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    out = " ".join(shown.stdout.split())
    for fragment in ("grants_admin_profile: asks the person to confirm when the write gives someone an "
                     "administrator profile", "changes_own_access:", "multi_account:", "last_admin: denies",
                     "own_last_admin: denies", "more than 3 writes", "at most 10 approval requests"):
        assert fragment in out, fragment
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data["confirm_when"] = ["grants_admin_profile", "grants_admin_profiles"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    refused = _run(str(bad), cwd=tmp_path)
    assert refused.returncode == 1 and "unknown condition 'grants_admin_profiles'" in refused.stderr
