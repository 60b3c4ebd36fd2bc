"""The sandbox's bulk jobs: uploads, states over the clock, per-row results, the user-list export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest

from tools.docusign.sandbox import SANDBOX_ADMIN_URL, Sandbox
from tools.docusign.sandbox._clock import Clock


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox.from_fixture("acme", seed=7, clock=Clock(datetime(2026, 3, 1, tzinfo=UTC)))


class Checked(httpx.BaseTransport):
    """Validates every JSON answer against the spec while the test runs."""

    def __init__(self, inner, schemas) -> None:
        self.inner, self.schemas, self.operations = inner, schemas, set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        if response.headers["content-type"].startswith("application/json"):
            path = request.url.path
            if not path.endswith("/results"):  # the export's download URL is not a spec operation
                self.schemas.validate(request.method, path, response.status_code, response.json())
                self.operations.add((request.method, self.schemas.operation(request.method, path)[0]))
        return response


@pytest.fixture
def api(sb, schemas):
    transport = Checked(sb.transport(), schemas)
    client = httpx.Client(
        transport=transport,
        base_url=SANDBOX_ADMIN_URL,
        headers={"Authorization": f"Bearer {sb.issue_token()}"},
    )
    client.checked = transport
    yield client
    client.close()


def _upload(api, org, kind, text, *, multipart=True):
    if multipart:
        return api.post(
            f"{org}/imports/bulk_users/{kind}", files={"file.csv": ("users.csv", text, "text/csv")}
        )
    return api.post(f"{org}/imports/bulk_users/{kind}", content=text, headers={"Content-Type": "text/csv"})


def test_add_import_moves_through_states_and_reports_each_row(sb, api, org):
    main = sb.account_id("Acme Main")
    text = (
        "AccountID,UserName,UserEmail,PermissionSet,Group1\n"
        f"{main},New One,new.one@acme.com,DocuSign Sender,Sales\n"
        f"{main},New Two,new.two@acme.com,No Such Profile,\n"
        f"{main},Sam Lee,sam.lee@acme.com,DocuSign Sender,\n"
        f"{main},Bad,not-an-email,DocuSign Sender,\n"
        f"{main},New Three,new.three@acme.com,DocuSign Viewer,Nope\n"
    )
    job = _upload(api, org, "add", text).json()
    assert job["status"] == "queued" and job["user_count"] == 5 and job["processed_user_count"] == 0
    assert api.get(f"{org}/imports/bulk_users/{job['id']}/results_csv").status_code == 400
    assert sb.state.user_by_email("new.one@acme.com") is None  # nothing applied while queued
    sb.advance_clock(seconds=1.004)
    partial = api.get(f"{org}/imports/bulk_users/{job['id']}").json()
    assert partial["status"] == "processing" and 0 < partial["processed_user_count"] < 5
    sb.advance_clock(seconds=5)
    done = api.get(f"{org}/imports/bulk_users/{job['id']}").json()
    assert done["status"] == "completed" and done["processed_user_count"] == 5
    assert (done["added_user_count"], done["error_count"], done["no_action_required_user_count"]) == (1, 3, 1)
    results = api.get(f"{org}/imports/bulk_users/{job['id']}/results_csv")
    assert results.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(results.text)))
    assert [r["ProcessingResults"] for r in rows] == [
        "user_added", "invalid_permissionset", "no_action_taken_user_exists", "invalid_useremail_address",
        "invalid_group",
    ]  # fmt: skip
    new = sb.state.user_by_email("new.one@acme.com")
    account = sb.state.accounts[main]
    membership = new.memberships[main]
    assert account.profile(membership.profile_id).name == "DocuSign Sender"
    assert {account.group(g).name for g in membership.group_ids} == {"Everyone", "Sales"}
    assert sb.state.user_by_email("new.two@acme.com") is None
    assert sb.state.user_by_email("new.three@acme.com") is None
    listed = api.get(f"{org}/imports/bulk_users").json()["imports"]
    assert [i["id"] for i in listed] == [job["id"]]


def test_update_and_close_imports_apply_docusign_rules(sb, api, org):
    main, legal = sb.account_id("Acme Main"), sb.account_id("Acme Legal")
    update = _upload(
        api,
        org,
        "update",
        f"AccountID,UserEmail,PermissionSet\n{main},sam.lee@acme.com,DocuSign Viewer\n"
        f"{main},tom.baker@acme.com,DocuSign Viewer\n{legal},sam.lee@acme.com,DocuSign Viewer\n",
        multipart=False,
    ).json()
    close = _upload(
        api,
        org,
        "close",
        f"AccountID,UserEmail\n{main},olivia.brown@acme.com\n{main},admin@acme.com\n{main},ghost@acme.com\n",
    ).json()
    sb.advance_clock(seconds=10)
    outcomes = {}
    for job in (update, close):
        body = api.get(f"{org}/imports/bulk_users/{job['id']}/results_csv").text
        outcomes[job["id"]] = [r["ProcessingResults"] for r in csv.DictReader(io.StringIO(body))]
    assert outcomes[update["id"]] == ["user_updated", "membership_closed", "membership_not_in_account"]
    assert outcomes[close["id"]] == [
        "user_closed",
        "cannot_close_own_membership",
        "membership_not_in_account",
    ]
    sam = sb.state.user_by_email("sam.lee@acme.com").memberships[main]
    assert sb.state.accounts[main].profile(sam.profile_id).name == "DocuSign Viewer"
    assert sb.state.user_by_email("olivia.brown@acme.com").user_status == "closed"
    assert sb.state.user_by_email("admin@acme.com").memberships[main].status == "active"


def test_bad_uploads_are_refused_and_nothing_is_queued(sb, api, org):
    assert _upload(api, org, "add", "").status_code == 400
    missing = _upload(api, org, "add", "AccountID,UserName\nx,y\n")
    assert missing.status_code == 400 and missing.json()["error"] == "useremail_column_header_missing"
    assert (
        _upload(api, org, "close", "AccountID,UserEmail\n").json()["error"] == "insufficient_row_data_found"
    )
    assert api.get(f"{org}/imports/bulk_users").json() == {"imports": []}
    assert api.get(f"{org}/imports/bulk_users/00000000-0000-4000-8000-000000000000").status_code == 404


def test_user_list_export_holds_every_membership(sb, api, org):
    legal = sb.account_id("Acme Legal")
    job = api.post(f"{org}/exports/user_list", json={"type": "organization_memberships_export"}).json()
    assert job["status"] == "queued" and "results" not in job
    scoped = api.post(
        f"{org}/exports/user_list",
        json={"type": "organization_memberships_export", "accounts": [{"account_id": legal}]},
    ).json()
    sb.advance_clock(seconds=3)
    done = api.get(f"{org}/exports/user_list/{job['id']}").json()
    assert done["status"] == "completed" and done["percent_completed"] == 100
    rows = list(csv.DictReader(io.StringIO(api.get(done["results"][0]["url"]).text)))
    expected = sum(len(u.memberships) for u in sb.state.users.values() if u.redacted_on is None)
    assert len(rows) == expected == done["number_rows"]
    jane = [r for r in rows if r["UserEmail"] == "jane.smith@acme.com"]
    assert {(r["AccountName"], r["PermissionProfileName"]) for r in jane} == {
        ("Acme Legal", "Account Administrator"),
        ("Acme Main", "DocuSign Sender"),
    }
    scoped_rows = api.get(api.get(f"{org}/exports/user_list/{scoped['id']}").json()["results"][0]["url"]).text
    assert {r["AccountName"] for r in csv.DictReader(io.StringIO(scoped_rows))} == {"Acme Legal"}
    assert len(api.get(f"{org}/exports/user_list").json()["exports"]) == 2
    assert api.delete(f"{org}/exports/user_list/{job['id']}").status_code == 200
    assert api.get(f"{org}/exports/user_list/{job['id']}").status_code == 404
    bad = api.post(f"{org}/exports/user_list", json={"type": "organization_account_settings_export"})
    assert bad.status_code == 400
    assert len(api.checked.operations) == 4
