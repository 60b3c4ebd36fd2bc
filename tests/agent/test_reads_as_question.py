"""Which requests read as questions (a write asked for in a question stops for one confirmation)."""

from __future__ import annotations

import pytest

from agent.conversation import reads_as_question


@pytest.mark.parametrize("text", [
    "Do I have the DocuSign Viewer profile on EMEA?",
    "Hey, is john an admin on EMEA?",
    "For the new paralegal, which permission profile on Acme Legal should I use?",
    "What would happen if I closed john?",
    "hello! do I have sender rights?",
    "Quick one. Is maya still pending?",
])
def test_questions(text):
    assert reads_as_question(text)


@pytest.mark.parametrize("text", [
    "Hi, I just joined Acme. Can I get a DocuSign seat as a DocuSign Sender please?",
    "Could you close maya.chen@acme.com on Contractors?",
    "Thanks! Can you add john to Sales?",
    "Provision maya.chen@acme.com on Acme Main",
    "I need a DocuSign seat to send contracts — can you get me access?",
    "",
])
def test_requests(text):
    assert not reads_as_question(text)


@pytest.mark.parametrize("text", [
    "Would it hurt to close chris.park@acme.com on EMEA?",
    "could that break anything if I remove john from Sales?",
    "Will it matter if I make chris a viewer?",
])
def test_a_question_about_a_changes_effect(text):
    assert reads_as_question(text)


@pytest.mark.parametrize("text", [
    "Would it be possible to close maya.chen@acme.com on Contractors?",
    "Would you close john.doe@acme.com on EMEA?",
])
def test_polite_requests_stay_requests(text):
    assert not reads_as_question(text)
