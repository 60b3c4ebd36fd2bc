"""Change detection in conversation: "which users changed since yesterday?" is a listing filtered
by ``last_modified_since`` (never an unfiltered listing passed off as the answer), in the words
people use, with the moment computed on the gate's clock."""

from __future__ import annotations

import pytest
from agent_stack import stack

from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation

ADMIN = "admin@acme.com"


def _after_a_change(tmp_path):
    sb, rt = stack(tmp_path)
    sb.advance_clock(days=4)  # the org was set up four days ago; one change since
    chat = Conversation(rt, rt.actor(ADMIN), OfflineBackend())
    done = chat.ask("Change sam.lee@acme.com to DocuSign Viewer on Acme Main")
    assert done.outcome == "done", done.text
    return sb, rt, chat


@pytest.mark.parametrize(("said", "since"), [
    ("Which users changed since yesterday?", "yesterday"),
    ("who was modified in the last 3 days", "3d"),
    ("What changed in the past 24 hours?", "24h"),
    ("Show me users updated today", "today"),
])  # fmt: skip
def test_who_changed_lists_only_the_users_changed_since_then(tmp_path, said, since):
    _sb, _rt, chat = _after_a_change(tmp_path)
    reply = chat.ask(said)
    assert reply.outcome == "done", reply.text
    assert [(c.action, c.args.get("last_modified_since")) for c in reply.calls] == [("list_users", since)]
    assert "sam.lee@acme.com" in reply.text and "john.doe@acme.com" not in reply.text
    assert "changed since" in reply.text


def test_an_iso_date_is_taken_as_written(tmp_path):
    sb, _rt, chat = _after_a_change(tmp_path)
    day = sb.clock.now().date().isoformat()
    reply = chat.ask(f"users modified since {day}")
    assert [c.args for c in reply.calls] == [{"last_modified_since": day}]
    assert "sam.lee@acme.com" in reply.text


def test_a_period_the_listing_cannot_filter_on_is_named_back_not_listed(tmp_path):
    _sb, _rt, chat = _after_a_change(tmp_path)
    reply = chat.ask("Who joined since Monday?")
    assert reply.outcome == "clarify" and reply.calls == []
    assert "since monday" in reply.text.lower()
