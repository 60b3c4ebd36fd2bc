"""The lazy vocabulary: one account's names cost one request, and only when that account is asked about."""

from __future__ import annotations

from tools.docusign import Directory
from tools.docusign.vocabulary import AccountNames


def reads(records, suffix: str) -> int:
    return sum(1 for r in records if r.method == "GET" and r.path_template.endswith(suffix))


def test_one_account_looked_up_reads_that_account_only(admin, acme, records):
    directory = Directory(admin, acme.organization_id)
    profiles, groups = AccountNames(directory, "profiles"), AccountNames(directory, "groups")
    assert "Acme Legal" in list(profiles) and reads(records, "/permissions") == 0  # account names: the org
    assert "Paralegal" in profiles["acme legal"]
    assert profiles.get("Acme Legal") == profiles["ACME LEGAL"]
    assert reads(records, "/permissions") == 1 and reads(records, "/groups") == 0
    assert profiles.loaded().keys() == {"Acme Legal"}
    assert profiles.get("Nonesuch") is None and "Nonesuch" not in profiles
    assert "Sales" in groups["EMEA"] and reads(records, "/groups") == 1


def test_reading_every_value_reads_every_account(admin, acme, records):
    names = AccountNames(Directory(admin, acme.organization_id), "profiles")
    every = dict(names.items())
    assert set(every) == {a["name"] for a in acme.dump()["accounts"]}
    assert reads(records, "/permissions") == len(every)
