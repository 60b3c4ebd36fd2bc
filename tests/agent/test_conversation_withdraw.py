"""A new request instead of a yes withdraws the change that waited for it; a bare yes does not.

Why: "make david an admin on Acme Main", then "no wait, make it EMEA" left the first change live, so
the next yes (or a stale Confirm button) made David an administrator on the account the person had
just moved away from. These tests hold the sandbox to what the person last asked for.
"""

from __future__ import annotations

from agent_stack import membership, stack

from agent.backends.offline import OfflineBackend
from agent.conversation import Conversation

DAVID = "david.kim@acme.com"
ADMIN_PROFILE = "Account Administrator"
MAKE_ADMIN = f"make {DAVID} an Account Administrator on Acme Main"


def _asked(tmp_path):
    sb, rt = stack(tmp_path)
    conv = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend())
    asked = conv.ask(MAKE_ADMIN)
    assert asked.outcome == "needs_confirmation" and asked.confirmation_token
    return sb, rt, conv, asked.confirmation_token


def test_a_correction_withdraws_the_change_that_waited(tmp_path):
    sb, rt, conv, token = _asked(tmp_path)
    before = sb.dump()
    try:
        reply = conv.ask("no wait, make it EMEA")
        assert "Withdrawn, nothing of it was done" in reply.text
        assert "Acme Main" in reply.text.split("Withdrawn", 1)[1]  # says which change it was
        # neither the session's next yes nor the old token (a stale button) can run it now
        assert conv.confirm().outcome == "error"
        late = conv.confirm(token=token)
        assert late.outcome != "done"
        assert "declined" in late.text
        assert rt.confirmations.pending(rt.actor("admin@acme.com")) == []
        assert membership(sb.dump(), DAVID, "Acme Main") == membership(before, DAVID, "Acme Main")
        assert membership(sb.dump(), DAVID, "Acme Main")["permission_profile"] != ADMIN_PROFILE
    finally:
        rt.close()


def test_a_question_in_between_withdraws_it_too(tmp_path):
    sb, rt, conv, token = _asked(tmp_path)
    try:
        conv.ask("what profile does david.kim@acme.com have on EMEA?")
        assert conv.confirm(token=token).outcome != "done"
        assert membership(sb.dump(), DAVID, "Acme Main")["permission_profile"] != ADMIN_PROFILE
    finally:
        rt.close()


def test_a_typed_yes_leaves_the_prompt_standing(tmp_path):
    sb, rt, conv, token = _asked(tmp_path)
    try:
        typed = conv.ask("yes")
        assert "Withdrawn" not in typed.text
        assert membership(sb.dump(), DAVID, "Acme Main")["permission_profile"] != ADMIN_PROFILE
        assert conv.confirm(token=token).outcome == "done"
        assert membership(sb.dump(), DAVID, "Acme Main")["permission_profile"] == ADMIN_PROFILE
    finally:
        rt.close()


def test_another_session_keeps_its_own_prompt(tmp_path):
    sb, rt, conv, _token = _asked(tmp_path)
    try:
        other = Conversation(rt, rt.actor("admin@acme.com"), OfflineBackend())
        other.ask("who is still pending?")
        assert conv.confirm().outcome == "done"
        assert membership(sb.dump(), DAVID, "Acme Main")["permission_profile"] == ADMIN_PROFILE
    finally:
        rt.close()


def test_the_withdrawal_is_in_the_audit_log(tmp_path):
    _sb, rt, conv, _token = _asked(tmp_path)
    try:
        conv.ask("actually forget it, show me the pending users")
        kinds = [(r.kind, r.payload.get("why")) for r in rt.audit.records()]
        assert ("confirmation_used", "superseded") in kinds
    finally:
        rt.close()
