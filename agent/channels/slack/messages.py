"""Slack messages in Block Kit: replies, confirmations and approval requests, in the gate's words.

Why the gate's words: a confirmation or an approval button is consent to an exact call, so the
text beside it is the gate's own description of that call (the summary it stored with the
confirmation or the approval request), never the model's prose. Slack caps a section at 3,000
characters; longer text is cut with a note rather than rejected.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.api import ApprovalRequest

SECTION_LIMIT = 2900
CONFIRM, CANCEL = "dsadmin_confirm", "dsadmin_cancel"
APPROVE, DENY = "dsadmin_approve", "dsadmin_deny"
DENY_MODAL, REASON_BLOCK, REASON_INPUT = "dsadmin_deny_reason", "reason", "reason_input"


def _section(text: str) -> dict[str, Any]:
    if len(text) > SECTION_LIMIT:
        text = text[:SECTION_LIMIT] + "\n… (cut; the full text is in `dsadmin audit tail`)"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def reply_blocks(text: str) -> list[dict[str, Any]]:
    """A reply as a block; listings (lines with several columns) keep their alignment in a code span."""
    tabular = any("  " in line.strip() for line in text.splitlines()[1:])
    return [_section(f"```{text}```" if tabular else text)]


def confirmation_blocks(text: str, token: str, requester: str, session_id: str) -> list[dict[str, Any]]:
    """The gate's description and preview, with buttons only ``requester`` may press; the answer
    goes back into the conversation (``session_id``) that asked."""
    value = json.dumps({"token": token, "requester": requester, "session": session_id})
    return [
        _section(text),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Only {requester} can answer this."}]},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": CONFIRM, "style": "primary", "value": value,
             "text": {"type": "plain_text", "text": "Confirm"}},
            {"type": "button", "action_id": CANCEL, "value": value,
             "text": {"type": "plain_text", "text": "Cancel"}},
        ]},
    ]


def approval_request_text(view: ApprovalRequest) -> str:
    """The request in the gate's words: its description, then every row it would change (before -> after),
    so the approver consents to the rows, not to a paraphrase."""
    from policies.preview import preview_lines, rows_from

    rows = preview_lines(rows_from([change.as_dict() for change in view.previews]), indent="• ")
    changes = ("\n*What would change (before -> after):*\n" + "\n".join(rows)) if rows else ""
    return (f"*Approval needed* — request `{view.id}`\n*From:* {view.requester}\n*Change:* {view.summary}"
            f"{changes}\n*Expires:* {view.expires_at:%Y-%m-%d %H:%M} UTC")


def approval_blocks(view: ApprovalRequest) -> list[dict[str, Any]]:
    return [
        _section(approval_request_text(view)),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": APPROVE, "style": "primary", "value": view.id,
             "text": {"type": "plain_text", "text": "Approve"}},
            {"type": "button", "action_id": DENY, "style": "danger", "value": view.id,
             "text": {"type": "plain_text", "text": "Deny…"}},
        ]},
    ]


def decided_blocks(view: ApprovalRequest, outcome: str) -> list[dict[str, Any]]:
    """The approval message once decided: the request as it was, the buttons replaced by the outcome."""
    return [_section(approval_request_text(view)), _section(outcome)]


def deny_modal(approval_id: str, where: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": DENY_MODAL,
        "private_metadata": json.dumps({"approval_id": approval_id, **where}),
        "title": {"type": "plain_text", "text": "Deny request"},
        "submit": {"type": "plain_text", "text": "Deny"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{
            "type": "input", "block_id": REASON_BLOCK, "optional": True,
            "label": {"type": "plain_text", "text": "Reason (shown to the requester)"},
            "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "multiline": True,
                        "max_length": 500},
        }],
    }
