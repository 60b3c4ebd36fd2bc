"""An employee's request that names someone else is never turned into a request about themselves."""

from __future__ import annotations

import pytest

from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation
from tests.agent.agent_stack import stack

WRITES = ("manage_user", "manage_account_membership")


@pytest.mark.parametrize("text", [
    "make liam.oconnor a viewer on acme main",
    "give jane.smith sender rights on EMEA",
    "close rachel.green's membership on EMEA",
])
def test_a_colleague_named_by_handle_is_never_swapped_for_the_speaker(tmp_path, text):
    sandbox, rt = stack(tmp_path)
    before = sandbox.dump()
    reply = Conversation(rt, rt.actor("sam.lee@acme.com"), OfflineBackend()).ask(text)
    own = [c for c in reply.calls if c.action in WRITES and c.args.get("email") == "sam.lee@acme.com"]
    assert own == [], reply.calls
    assert rt.approvals.list("pending") == []
    assert sandbox.dump() == before


def test_an_admin_naming_a_colleague_by_handle_changes_that_colleague(tmp_path):
    sandbox, rt = stack(tmp_path)
    reply = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend()).ask(
        "make liam.oconnor a viewer on acme main")
    assert reply.outcome == "done", reply.text
    liam = next(u for u in sandbox.dump()["users"] if u["email"] == "liam.oconnor@acme.com")
    assert liam["memberships"]["Acme Main"]["permission_profile"] == "DocuSign Viewer"
