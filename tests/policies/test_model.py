"""Loading policy files: every mistake is refused with the path of the field to fix."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from policies import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy


def _default() -> dict:
    return yaml.safe_load(DEFAULT_POLICY_PATH.read_text())


def _problems(data) -> list[str]:
    with pytest.raises(PolicyError) as info:
        Policy.from_data(data, "test.yaml")
    assert str(info.value).startswith("test.yaml: the policy has")
    return info.value.problems


def test_default_policy_loads():
    policy = load_policy()
    assert policy.source == str(DEFAULT_POLICY_PATH)
    assert policy.table("manage_user", "purge").confirmation is True


def test_purge_without_confirmation_is_rejected_at_load():
    data = _default()
    data["actions"]["manage_user"]["purge"]["confirmation"] = False
    assert _problems(data) == [
        "actions.manage_user.purge.confirmation: a purge is irreversible and must be confirmed by a "
        "person; set confirmation: true (or enabled: false)"
    ]
    del data["actions"]["manage_user"]["purge"]["confirmation"]  # the default is no confirmation
    assert _problems(data)[0].startswith("actions.manage_user.purge.confirmation:")
    data["actions"]["manage_user"]["purge"]["enabled"] = False
    assert Policy.from_data(data).table("manage_user", "purge").enabled is False


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda d: d.update(colour="blue"), "colour: unknown field"),
    (lambda d: d.pop("version"), "version: Field required"),
    (lambda d: d.update(version=2), "version: Input should be 1"),
    (lambda d: d["actions"]["manage_user"].update(purg={}),
     "actions.manage_user.purg: unknown operation 'purg' for manage_user; its operations are provision,"),
    (lambda d: d["actions"].update(delete_everything={}),
     "actions.delete_everything: unknown action 'delete_everything'; the actions are list_users,"),
    (lambda d: d["actions"]["list_users"]["list"].update(roles=["admin", "root"]),
     "actions.list_users.list.roles.root: unknown name 'root'"),
    (lambda d: d["actions"]["manage_user"]["purge"]["approval"].update(ttl_seconds=-5),
     "actions.manage_user.purge.approval.ttl_seconds: Input should be greater than or equal to 60"),
    (lambda d: d["actions"]["manage_user"]["purge"]["approval"].update(role="boss"),
     "actions.manage_user.purge.approval.role: Input should be 'admin', 'approver' or 'employee'"),
    (lambda d: d["actions"]["manage_user"]["provision"]["roles"]["employee"].update(self_only="maybe"),
     "actions.manage_user.provision.roles.employee.self_only: Input should be a valid boolean"),
    (lambda d: d["actions"]["manage_user"]["provision"]["roles"]["employee"].update(approvl={}),
     "actions.manage_user.provision.roles.employee.approvl: unknown field"),
    (lambda d: d["roles"]["employee"].update(max_page_size=1000),
     "roles.employee.max_page_size: Input should be less than or equal to 100"),
    (lambda d: d["roles"]["employee"]["permission_profiles"].update(deny="Account Administrator"),
     "roles.employee.permission_profiles.deny: Input should be a valid list"),
    (lambda d: d["constraints"].update(accounts="EMEA"),
     "constraints.accounts: Input should be a valid list or '*'"),
    (lambda d: d["actions"]["list_account"]["groups"].update(roles={"employee": {"self_only": True}}),
     "actions.list_account.groups.roles.employee.self_only: list_account groups concerns no user"),
    (lambda d: d["constraints"].update(approval_required_profiles=["Account Administrator"]),
     "constraints.profile_approval: approval_required_profiles is set but nobody is named"),
    (lambda d: d["roles"]["employee"]["permission_profiles"].update(allow=["DocuSign Sender"],
                                                                     deny=["docusign sender"]),
     "roles.employee.permission_profiles: ['docusign sender'] are both allowed and denied"),
])
def test_malformed_policy_names_the_field(mutate, path):
    data = _default()
    mutate(data)
    problems = _problems(data)
    assert any(p.startswith(path) for p in problems), problems


def test_every_problem_is_reported_at_once():
    data = _default()
    data["colour"] = "blue"
    data["roles"]["employee"]["max_page_size"] = 0
    assert len(_problems(data)) == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("- just\n- a list\n", "(top level): expected a mapping"),
    ("version: 1\nactions: {list_users: [\n", "line "),
    ("", "(top level): expected a mapping"),
])
def test_unreadable_files(tmp_path, text, expected):
    file = tmp_path / "p.yaml"
    file.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(file)
    assert info.value.problems[0].startswith(expected)
    assert str(file) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(PolicyError, match=r"\(file\): cannot read it"):
        load_policy(tmp_path / "nope.yaml")


def test_omitted_operations_are_disabled_and_role_lists_are_shorthand(tmp_path):
    file = tmp_path / "p.yaml"
    file.write_text(textwrap.dedent("""
        version: 1
        actions:
          list_users:
            list: {roles: [approver]}
    """))
    policy = load_policy(file)
    assert set(policy.table("list_users", "list").grants) == {"approver"}
    enabled = [key for key, t in policy.tables.items() if t.enabled]
    assert enabled == [("list_users", "list")]
