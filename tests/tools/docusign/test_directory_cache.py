"""The directory cache in the store: a second process reads no names it already knows, entries age out,
answers that show an entry stale re-read DocuSign, and dsadmin's writes drop what they touch."""

from __future__ import annotations

import pytest

from tools.docusign import Directory, ResolutionError
from tools.docusign.cache import DirectoryCache
from tools.docusign.guard import permit
from tools.docusign.resolvers import store_cache
from tools.docusign.sandbox import SANDBOX_ADMIN_URL


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache_clock():
    return Clock()


@pytest.fixture
def make_directory(admin, acme, store_engine, cache_clock):
    """A new Directory, as a new process would build it, on the shared store."""

    def make() -> Directory:
        cache = store_cache(store_engine, SANDBOX_ADMIN_URL, acme.organization_id)
        cache._clock = cache_clock
        return Directory(admin, acme.organization_id, cache=cache)

    return make


def reads(records, suffix: str) -> int:
    return sum(1 for r in records if r.method == "GET" and r.path_template.endswith(suffix))


def test_a_second_process_reads_no_names_it_already_knows(make_directory, records, acme):
    first = make_directory()
    emea = first.account("EMEA").id
    assert first.permission_profile(emea, "DocuSign Viewer").name == "DocuSign Viewer"
    assert first.group(emea, "Sales").name == "Sales"
    before = len(records)
    second = make_directory()
    assert second.account("emea").id == emea == acme.account_id("EMEA")
    assert second.permission_profile(emea, "docusign viewer") == first.permission_profile(
        emea, "DocuSign Viewer"
    )
    assert second.group(emea, "sales") == first.group(emea, "Sales")
    assert records[before:] == []  # nothing read from DocuSign


def test_entries_age_out_after_the_ttl(make_directory, records, cache_clock):
    make_directory().account("EMEA")
    cache_clock.now += 901  # the default TTL is 15 minutes
    before = reads(records, "/organizations")
    make_directory().account("EMEA")
    assert reads(records, "/organizations") == before + 1


def test_a_name_missing_from_cached_data_is_looked_up_again(make_directory, records, acme):
    first = make_directory()
    emea = first.account("EMEA").id
    first.permission_profiles(emea)
    acme.merge(
        {
            "accounts": [
                {"name": "EMEA", "permission_profiles": ["Auditor"]},
                {"name": "Acme Labs", "permission_profiles": ["DocuSign Sender"]},
            ]
        }
    )
    second = make_directory()
    assert second.account("Acme Labs").id == acme.account_id("Acme Labs")  # not "no account 'Acme Labs'"
    assert second.permission_profile(emea, "Auditor").name == "Auditor"
    with pytest.raises(ResolutionError, match="no permission profile 'Nonesuch'"):
        second.permission_profile(emea, "Nonesuch")  # a real miss, after one fresh read
    assert reads(records, "/permissions") == 2


def test_a_user_showing_a_group_the_cache_lacks_refreshes_the_groups(make_directory, records, acme):
    first = make_directory()
    emea = first.account("EMEA").id
    first.groups(emea)
    acme.merge(
        {
            "accounts": [{"name": "EMEA", "groups": ["Auditors"]}],
            "users": [{"email": "john.doe@acme.com", "memberships": {"EMEA": {"groups": ["Auditors"]}}}],
        }
    )
    second = make_directory()
    second.groups(emea)  # from the cache: no Auditors
    second.user("john.doe@acme.com")  # ... but John is in it: the cached list is stale
    assert "Auditors" in {g.name for g in make_directory().groups(emea)}


def test_email_to_user_id_is_kept_and_dropped_by_our_own_writes(make_directory, admin, acme, records):
    first = make_directory()
    john = acme.user_id("john.doe@acme.com")
    assert first.user_id("john.doe@acme.com") == john
    before = len(records)
    assert make_directory().user_id("JOHN.DOE@acme.com") == john and len(records) == before
    with permit("test"):
        admin.update_users(
            acme.organization_id, {"users": [{"id": john, "site_id": 1, "first_name": "Johnny"}]}
        )
    make_directory().user_id("john.doe@acme.com")
    assert len(records) > before + 1  # the write, then a fresh lookup


def test_an_unusable_store_is_a_miss_not_an_error(admin, acme, tmp_path, records):
    from sqlalchemy import create_engine

    broken = DirectoryCache(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"), "scope")  # no tables
    directory = Directory(admin, acme.organization_id, cache=broken)
    assert directory.account("EMEA").name == "EMEA"
    assert directory.user_id("john.doe@acme.com") == acme.user_id("john.doe@acme.com")
