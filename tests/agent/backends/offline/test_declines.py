"""Requests outside the Admin API are declined in one sentence, never answered with a listing."""

from __future__ import annotations

import pytest

from agent.backends.offline.unsupported import declined, unsupported_filter


@pytest.mark.parametrize("text", [
    "who hasn't signed anything in 30 days",
    "Which users haven't sent an envelope in 90 days?",
    "has anyone been sending nothing lately",
])
def test_sending_and_signing_activity_is_declined(text):
    assert declined(text) is not None and "envelopes" in declined(text)


@pytest.mark.parametrize(("text", "phrase"), [
    ("list users added in 7 days", "added in 7 days"),
    ("which users changed since yesterday", "changed since yesterday"),
])
def test_filters_no_listing_supports_are_named(text, phrase):
    assert unsupported_filter(text) == phrase


@pytest.mark.parametrize("text", ["list pending users", "show users on EMEA"])
def test_ordinary_listings_are_neither(text):
    assert declined(text) is None and unsupported_filter(text) is None
