"""DocuSign's official Python SDK, over loopback HTTP, as the referee of the sandbox's shapes.

If the SDK's generated models deserialize what the sandbox answers (types included), code that
works against the sandbox speaks the same wire format as DocuSign.
"""

from __future__ import annotations

import datetime

import pytest

from tools.docusign.sandbox import Sandbox
from tools.docusign.sandbox.serve import serve_in_thread

docusign_admin = pytest.importorskip("docusign_admin")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DSADMIN_HOME", str(tmp_path_factory.mktemp("sdk-home")))
        sb = Sandbox.from_fixture("acme")
    running = serve_in_thread(sb)
    yield sb, running
    running.stop()


@pytest.fixture(scope="module")
def sdk(served):
    sb, running = served
    client = docusign_admin.ApiClient(host=running.admin_url)
    client.set_default_header("Authorization", f"Bearer {sb.issue_token()}")
    return client


def test_lists_organizations_with_accounts(served, sdk):
    sb, _ = served
    orgs = docusign_admin.AccountsApi(sdk).get_organizations()
    assert isinstance(orgs, docusign_admin.OrganizationsResponse)
    org = orgs.organizations[0]
    assert org.id == sb.organization_id and org.name == "Acme Corp"
    assert isinstance(org.created_on, datetime.datetime)
    assert isinstance(org.default_permission_profile_id, int)
    assert {a.name for a in org.accounts} == {"Acme Main", "Acme Legal", "EMEA", "Contractors"}


def test_pages_through_users(served, sdk):
    sb, _ = served
    users_api = docusign_admin.UsersApi(sdk)
    main = sb.account_id("Acme Main")
    seen, start = [], 0
    while True:
        page = users_api.get_users(sb.organization_id, account_id=main, start=start, take=5)
        assert isinstance(page, docusign_admin.OrganizationUsersResponse)
        assert isinstance(page.paging.total_set_size, int)
        seen += [u.email for u in page.users]
        if not page.paging.next:
            break
        start += 5
    expected = {u.email for u in sb.state.users.values() if main in u.memberships}
    assert set(seen) == expected and len(seen) == len(expected)
    assert all(isinstance(u.created_on, datetime.datetime) for u in page.users)


def test_reads_a_profile_and_permissions(served, sdk):
    sb, _ = served
    profile = docusign_admin.UsersApi(sdk).get_user_profiles(sb.organization_id, email="jane.smith@acme.com")
    assert isinstance(profile, docusign_admin.UsersDrilldownResponse)
    jane = profile.users[0]
    assert isinstance(jane.memberships[0], docusign_admin.MembershipResponse)
    assert isinstance(jane.memberships[0].permission_profile.id, int)
    assert {m.account_name for m in jane.memberships} == {"Acme Legal", "Acme Main"}
    assert isinstance(jane.memberships[0].groups[0], docusign_admin.MemberGroupResponse)
    perms = docusign_admin.AccountsApi(sdk).get_permissions(sb.organization_id, sb.account_id("Acme Legal"))
    assert "Paralegal" in {p.name for p in perms.permissions}


def test_creates_updates_and_closes(served, sdk):
    sb, _ = served
    org, emea = sb.organization_id, sb.account_id("EMEA")
    accounts_api, users_api = docusign_admin.AccountsApi(sdk), docusign_admin.UsersApi(sdk)
    profiles = {p.name: p.id for p in accounts_api.get_permissions(org, emea).permissions}
    groups = {g.name: g.id for g in accounts_api.get_groups(org, emea).groups}
    created = users_api.create_user(
        org,
        docusign_admin.NewUserRequest(
            email="maya.chen@acme.com",
            first_name="Maya",
            last_name="Chen",
            user_name="Maya Chen",
            auto_activate_memberships=True,
            accounts=[
                docusign_admin.NewUserRequestAccountProperties(
                    id=emea,
                    permission_profile=docusign_admin.PermissionProfileRequest(
                        id=profiles["DocuSign Sender"]
                    ),
                    groups=[docusign_admin.GroupRequest(id=groups["Sales"])],
                    job_title="AE",
                )
            ],
        ),
    )
    assert isinstance(created, docusign_admin.NewUserResponse) and created.email == "maya.chen@acme.com"
    assert isinstance(created.accounts[0].permission_profile.id, int)

    updated = users_api.update_user(
        org,
        docusign_admin.UpdateUsersRequest(
            users=[
                docusign_admin.UpdateUserRequest(
                    id=created.id,
                    site_id=1,
                    memberships=[
                        docusign_admin.UpdateMembershipRequest(
                            account_id=emea,
                            permission_profile=docusign_admin.PermissionProfileRequest(
                                id=profiles["DocuSign Viewer"]
                            ),
                        )
                    ],
                )
            ]
        ),
    )
    assert isinstance(updated, docusign_admin.UsersUpdateResponse) and updated.success is True

    closed = users_api.close_memberships(
        org,
        created.id,
        docusign_admin.DeleteMembershipsRequest(accounts=[docusign_admin.DeleteMembershipRequest(id=emea)]),
    )
    assert isinstance(closed, docusign_admin.DeleteMembershipsResponse) and closed.success is True

    maya = next(u for u in sb.dump()["users"] if u["email"] == "maya.chen@acme.com")
    assert maya["user_status"] == "closed"
    assert maya["memberships"]["EMEA"]["status"] == "closed"
    assert maya["memberships"]["EMEA"]["permission_profile"] == "DocuSign Viewer"


def test_sdk_sees_refusals_as_api_exceptions(served, sdk):
    sb, _ = served
    from docusign_admin.client.api_exception import ApiException

    with pytest.raises(ApiException) as caught:
        docusign_admin.UsersApi(sdk).get_users(sb.organization_id)
    assert caught.value.status == 400
    assert b"one of email, account_id" in caught.value.body


def test_reactivates_and_redacts(served, sdk):
    sb, _ = served
    org, main = sb.organization_id, sb.account_id("Acme Main")
    users_api = docusign_admin.UsersApi(sdk)
    rachel = users_api.get_users(org, email="rachel.green@acme.com", account_id=main).users[0]
    assert rachel.membership_status == "closed"
    done = users_api.activate_membership(
        org, rachel.id, rachel.membership_id, docusign_admin.ForceActivateMembershipRequest(site_id=1)
    )
    assert isinstance(done, docusign_admin.UpdateResponse)
    rachel_now = next(u for u in sb.dump()["users"] if u["email"] == "rachel.green@acme.com")
    assert rachel_now["memberships"]["Acme Main"]["status"] == "active"

    tom = sb.user_id("tom.baker@acme.com")
    purged = docusign_admin.OrganizationsApi(sdk).redact_individual_user_data(
        org,
        docusign_admin.IndividualUserDataRedactionRequest(
            user_id=tom, memberships=[docusign_admin.MembershipDataRedactionRequest(account_id=main)]
        ),
    )
    assert isinstance(purged, docusign_admin.IndividualUserDataRedactionResponse)
    assert purged.status == "success" and purged.membership_results[0].status == "success"
    assert "tom.baker@acme.com" not in {u["email"] for u in sb.dump()["users"]}


def test_drives_a_bulk_import_and_a_user_list_export(served, sdk, tmp_path):
    """The SDK uploads the CSV as multipart ``file.csv``, polls, reads the results; then exports."""
    sb, _ = served
    org, emea = sb.organization_id, sb.account_id("EMEA")
    upload = tmp_path / "new_hires.csv"
    upload.write_text(
        f"AccountID,UserName,UserEmail,PermissionSet\n{emea},Ida Bulk,ida.bulk@acme.com,DocuSign Sender\n"
        f"{emea},Bad Row,bad.row@acme.com,Nope\n"
    )
    bulk = docusign_admin.BulkImportsApi(sdk)
    job = bulk.create_bulk_import_add_users_request(org, str(upload))
    assert isinstance(job, docusign_admin.OrganizationImportResponse)
    assert job.status == "queued" and job.user_count == 2
    sb.advance_clock(seconds=10)
    done = bulk.get_bulk_user_import_request(org, job.id)
    assert done.status == "completed" and done.added_user_count == 1 and done.error_count == 1
    assert isinstance(done.user_level_error_rollups[0], docusign_admin.OrganizationImportResponseErrorRollup)
    assert sb.state.user_by_email("ida.bulk@acme.com").memberships[emea].status == "activation_sent"
    assert any(j.id == job.id for j in bulk.get_bulk_user_import_requests(org).imports)

    exports = docusign_admin.BulkExportsApi(sdk)
    started = exports.create_user_list_export(
        org, docusign_admin.OrganizationExportRequest(type="organization_memberships_export")
    )
    assert isinstance(started, docusign_admin.OrganizationExportResponse) and started.status == "queued"
    sb.advance_clock(seconds=10)
    finished = exports.get_user_list_export(org, started.id)
    assert finished.status == "completed" and isinstance(finished.created, datetime.datetime)
    assert isinstance(finished.results[0], docusign_admin.OrganizationExportTaskResponse)
    live = [u for u in sb.state.users.values() if u.redacted_on is None]
    assert finished.number_rows == sum(len(u.memberships) for u in live)


def test_an_import_the_sdk_submitted_survives_a_restart_of_sandbox_serve(tmp_path, monkeypatch):
    """`sandbox serve` on a state directory, restarted between the upload and the poll: the SDK
    finds its import on the new server, sees it complete and downloads the results CSV."""
    monkeypatch.setenv("DSADMIN_HOME", str(tmp_path / "home"))
    first = Sandbox.open(tmp_path / "state")
    org, main = first.organization_id, first.account_id("Acme Main")
    token = first.issue_token()
    running = serve_in_thread(first)
    try:
        client = docusign_admin.ApiClient(host=running.admin_url)
        client.set_default_header("Authorization", f"Bearer {token}")
        upload = tmp_path / "leavers.csv"
        upload.write_text(f"AccountID,UserEmail\n{main},olivia.brown@acme.com\n")
        job = docusign_admin.BulkImportsApi(client).create_bulk_import_close_users_request(org, str(upload))
        assert job.status == "queued"
    finally:
        running.stop()
    restarted = Sandbox.open(tmp_path / "state")
    restarted.advance_clock(seconds=10)
    running = serve_in_thread(restarted)
    try:
        client = docusign_admin.ApiClient(host=running.admin_url)
        client.set_default_header("Authorization", f"Bearer {token}")  # tokens are kept too
        imports = docusign_admin.BulkImportsApi(client)
        done = imports.get_bulk_user_import_request(org, job.id)
        assert done.status == "completed" and done.closed_user_count == 1
        results = imports.get_bulk_user_import_csv(org, job.id)
        assert "olivia.brown@acme.com" in str(results) and "user_closed" in str(results)
    finally:
        running.stop()
    closed = next(u for u in restarted.dump()["users"] if u["email"] == "olivia.brown@acme.com")
    assert closed["memberships"]["Acme Main"]["status"] == "closed"
