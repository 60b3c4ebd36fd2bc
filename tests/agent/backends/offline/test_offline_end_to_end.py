"""The offline planner through the real stack (conversation -> gate -> sandbox): follow-ups,
self-service seats, questions and declines, judged on the sandbox's final state and on the reply."""

from __future__ import annotations

from agent_stack import membership, unchanged, user

from agent.backends.offline import OfflineBackend
from agent.config import SelfServiceSettings, embedded_default
from agent.conversation import Conversation

ADMIN, SAM, MAYA, APPROVER = "admin@acme.com", "sam.lee@acme.com", "maya.chen@acme.com", "approver@acme.com"
WRITES = ("manage_user", "manage_account_membership")


def _talk(rt, actor: str) -> Conversation:
    return Conversation(rt, rt.actor(actor), OfflineBackend())


def _no_writes(reply) -> bool:
    return not [c for c in reply.calls if c.action in WRITES]


def test_undo_that_proposes_the_inverse_of_the_last_change(acme_stack):
    sandbox, rt = acme_stack()
    conv = _talk(rt, ADMIN)
    reply = conv.ask("add david.kim@acme.com to the Sales group on Acme Main")
    assert reply.outcome == "done", reply.text
    groups = membership(sandbox.dump(), "david.kim@acme.com", "Acme Main")["groups"]
    assert set(groups) == {"Finance", "Sales"}
    reply = conv.ask("undo that")
    assert reply.outcome == "done", reply.text
    assert [(c.action, c.args["operation"]) for c in reply.calls] == [
        ("manage_account_membership", "remove_groups")
    ]
    assert membership(sandbox.dump(), "david.kim@acme.com", "Acme Main")["groups"] == ["Finance"]


def test_undo_a_profile_change_restores_the_profile_the_gate_reported(acme_stack):
    sandbox, rt = acme_stack()
    conv = _talk(rt, ADMIN)
    assert conv.ask("Change john.doe@acme.com to DocuSign Viewer on EMEA").outcome == "done"
    reply = conv.ask("undo")
    assert reply.outcome == "done", reply.text
    assert membership(sandbox.dump(), "john.doe@acme.com", "EMEA")["permission_profile"] == "DocuSign Sender"


def test_undo_with_nothing_done_changes_nothing(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        conv = _talk(rt, ADMIN)
        conv.ask("list pending users")
        reply = conv.ask("undo that")
        assert not reply.calls and "no change" in reply.text


def test_the_same_for_another_account_repeats_the_read_there(acme_stack):
    _sandbox, rt = acme_stack()
    conv = _talk(rt, ADMIN)
    first = conv.ask("show the groups on acme legal")
    assert "Litigation" in first.text
    reply = conv.ask("the same for EMEA")
    assert reply.outcome == "done", reply.text
    assert [(c.action, c.args) for c in reply.calls] == [
        ("list_account", {"operation": "groups", "account": "EMEA"})
    ]
    assert "Finance" in reply.text and "Litigation" not in reply.text


def test_next_page_continues_the_listing(acme_stack):
    _sandbox, rt = acme_stack()
    conv = _talk(rt, ADMIN)
    first = conv.ask("list users on acme main, 5 at a time")
    assert [c.args for c in first.calls] == [{"account": "Acme Main", "page_size": 5}]
    reply = conv.ask("next page")
    assert reply.outcome == "done", reply.text
    assert reply.calls[0].args.get("cursor") and reply.calls[0].args["page_size"] == 5
    shown_first = {u["email"] for u in user_rows(first)}
    shown_next = {u["email"] for u in user_rows(reply)}
    assert shown_next and not shown_first & shown_next


def user_rows(reply) -> list[dict]:
    return (reply.results[-1].data or {}).get("users") or []


def test_a_seat_request_uses_the_configured_defaults_and_waits_for_an_approver(acme_stack):
    config = embedded_default()
    config.self_service = SelfServiceSettings.model_validate(
        {
            "seat_defaults": {"permission_profile": "DocuSign Viewer", "groups": ["Sales"]},
            "seat_defaults_by_domain": {"partners.example": {"account": "Contractors"}},
        }
    )
    sandbox, rt = acme_stack(config=config)
    with unchanged(sandbox):
        reply = _talk(rt, MAYA).ask("I need a DocuSign seat to send contracts — can you get me access?")
        assert reply.outcome == "pending_approval", reply.text
        assert "Account Administrator" not in reply.text
    assert rt.gate.approve(rt.actor(APPROVER), reply.approval_id).kind == "ok"
    seat = membership(sandbox.dump(), MAYA, "Acme Main")
    assert seat["permission_profile"] == "DocuSign Viewer" and seat["groups"] == ["Sales"]


def test_someone_with_a_seat_is_told_so_instead_of_a_new_request(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _talk(rt, SAM).ask("can I get a docusign seat?")
        assert _no_writes(reply)
        assert "already have a DocuSign seat" in reply.text and "Acme Main" in reply.text


def test_someone_without_a_user_asking_their_access_is_offered_a_seat(acme_stack):
    sandbox, rt = acme_stack()
    reply = _talk(rt, MAYA).ask(
        "Which DocuSign accounts do I have access to, and what's my permission profile?"
    )
    assert _no_writes(reply)
    assert "no DocuSign access" in reply.text and "I need a DocuSign seat" in reply.text
    assert user(sandbox.dump(), MAYA) is None


def test_a_question_about_my_own_profile_reads_and_changes_nothing(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _talk(rt, ADMIN).ask("Do I have the DocuSign Viewer profile on EMEA?")
        # a yes/no question about one person: that person's listing by the profile, answered first
        assert reply.outcome == "done" and [c.action for c in reply.calls] == ["list_users"]
        assert reply.text.startswith("No: admin@acme.com does not have permission profile 'DocuSign Viewer' "
                                     "on EMEA (EMEA: Account Administrator")


def test_an_unsupported_request_is_declined_not_answered_with_every_user(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _talk(rt, ADMIN).ask("Which users haven't sent an envelope in 90 days?")
        assert not reply.calls and "envelopes" in reply.text and "sam.lee@acme.com" not in reply.text
        reply = _talk(rt, ADMIN).ask("Which users joined since Monday?")
        assert not reply.calls and "joined since monday" in reply.text


def test_an_unknown_profile_is_named_back_and_nothing_changes(acme_stack):
    sandbox, rt = acme_stack()
    with unchanged(sandbox):
        reply = _talk(rt, ADMIN).ask("Make john.doe@acme.com a Super Admin on EMEA")
        assert reply.outcome == "clarify" and not reply.calls
        assert "Super Admin" in reply.text and "Account Administrator" in reply.text
