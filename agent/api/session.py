"""``Session``: one person's conversation kept across requests (``chat``, a Slack thread, the web chat)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.api.refusals import check_length
from agent.api.replies import Reply, from_conversation

if TYPE_CHECKING:
    from agent.api.values import Person
    from agent.conversation import Conversation


class Session:
    """One person's conversation, kept across requests (``chat``): a confirmation its reply asked
    for is answered here, at the channel's prompt, never by the model."""

    def __init__(self, person: Person, conversation: Conversation):
        self.person = person
        self._conversation = conversation

    @property
    def id(self) -> str:
        return self._conversation.session_id

    @property
    def pending_confirmation(self) -> str | None:
        """The token this session's last reply is waiting on (None: nothing waits)."""
        return self._conversation.pending_confirmation

    def stream_to(self, on_text: Any) -> bool:
        """Hand the model's words to ``on_text`` as they arrive; False when the backend cannot."""
        backend = self._conversation.backend
        if not hasattr(backend, "on_text"):
            return False
        backend.on_text = on_text
        return True

    def ask(self, text: str) -> Reply:
        """One request in this session; never raises for a backend or gate failure (see ``failed``).
        A request longer than ``MAX_REQUEST_CHARS`` is ``Refused`` before anything runs or is recorded."""
        check_length(text)
        return from_conversation(self._conversation.ask(text))

    def confirm(self, accept: bool = True, *, token: str | None = None) -> Reply:
        """Answer the confirmation this session's last reply asked for, or ``token`` (one an earlier
        reply of this session issued, e.g. carried by a channel's Confirm button)."""
        return from_conversation(self._conversation.confirm(accept=accept, token=token))
