"""Indirect wording, colleagues named by employees, and misspelt domains (properties over generated requests).

1. An indirect opening ("would you mind adding…", "could you possibly…", "is it possible to…") proposes
   exactly the calls of the plain order it stands for — never more, never another target.
2. "can I <verb> someone…?" asks whether it is possible: it never proposes a write.
3. An employee's request naming a colleague never proposes a write about the speaker.
4. An email whose domain is one letter away from the speaker's never reaches a write.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.backends.offline import Planner
from agent.backends.offline.polite import as_request
from agent.conversation import reads_as_question
from tests.agent.backends.offline.conftest import fixture_vocabulary

VOCABULARY = fixture_vocabulary()
WRITES = ("manage_user", "manage_account_membership")
ADMIN, SAM = "admin@acme.com", "sam.lee@acme.com"
EMAILS = ["john.doe@acme.com", "david.kim@acme.com", "wei.zhang@acme.com", "lisa.wong@acme.com"]
# (gerund, plain verb, the rest of a complete request with {email})
ORDERS = [
    ("adding", "add", "{email} to the Sales group on EMEA"),
    ("putting", "put", "{email} in the HR group on Acme Main"),
    ("switching", "switch", "{email} to DocuSign Viewer on EMEA"),
    ("closing", "close", "{email}'s membership on Acme Main"),
    ("reactivating", "reactivate", "{email} on Acme Main"),
    ("removing", "remove", "{email} from the Finance group on EMEA"),
    ("making", "make", "{email} a DocuSign Sender on Acme Main"),
]
GERUND_OPENINGS = ["Would you mind {g}", "would you mind {g}", "Do you mind {g}", "Would you kindly {g}"]
VERB_OPENINGS = [
    "Could you possibly {v}",
    "could you maybe {v}",
    "Would you be able to {v}",
    "Is it possible to {v}",
    "Would it be possible to {v}",
    "Any chance you could {v}",
]


def _calls(text: str, actor: str = ADMIN, roles=("admin",)):
    plan = Planner(VOCABULARY, actor, roles).plan(text)
    return [(c.action, c.args) for c in plan.calls or []]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.sampled_from(ORDERS), email=st.sampled_from(EMAILS), data=st.data(),
       end=st.sampled_from(["?", "", " please?", "."]))
def test_an_indirect_opening_proposes_exactly_the_plain_order(order, email, data, end):
    gerund, verb, rest = order
    opening = data.draw(st.sampled_from(GERUND_OPENINGS + VERB_OPENINGS)).format(g=gerund, v=verb)
    indirect = f"{opening} {rest.format(email=email)}{end}"
    assert _calls(indirect) == _calls(f"{verb} {rest.format(email=email)}"), indirect


@settings(max_examples=150, deadline=None)
@given(verb=st.sampled_from(["make", "give", "add", "set", "change", "promote", "close", "remove", "put"]),
       email=st.sampled_from(EMAILS),
       rest=st.sampled_from(["an admin?", "a DocuSign Sender on EMEA?", "to the Sales group?", "on EMEA?",
                             ""]))
def test_can_i_act_on_someone_is_a_question_that_never_writes(verb, email, rest):
    text = f"can I {verb} {email} {rest}"
    assert not [a for a, _ in _calls(text) if a in WRITES], text


@settings(max_examples=150, deadline=None)
@given(verb=st.sampled_from(["make", "give", "close", "add", "remove", "promote", "reactivate"]),
       who=st.sampled_from(["liam.oconnor", "jane.smith", "chris.park@acme.com", "Maya", "olivia.brown"]),
       rest=st.sampled_from(["a viewer", "sender rights on EMEA", "'s account", "to the Sales group",
                             "on Acme Main", "an admin on EMEA", ""]))
def test_an_employee_naming_a_colleague_never_writes_about_themselves(verb, who, rest):
    text = f"{verb} {who} {rest}".replace(" 's", "'s")
    for action, args in _calls(text, SAM, ("employee",)):
        assert not (action in WRITES and args.get("email") == SAM), (text, args)


@settings(max_examples=150, deadline=None)
@given(domain=st.sampled_from(["acme.con", "acme.cm", "acmee.com", "acem.com", "acme.co", "acne.com"]),
       template=st.sampled_from([
           "provision maya.chen@{d} on Acme Main as DocuSign Sender",
           "make john.doe@{d} a viewer on EMEA",
           "close lisa.wong@{d} on Acme Main",
           "add david.kim@{d} to the Sales group on EMEA",
       ]))
def test_a_domain_one_letter_off_never_reaches_a_write(domain, template):
    text = template.format(d=domain)
    assert not [a for a, _ in _calls(text) if a in WRITES], text


def test_the_rewrite_keeps_questions_about_possibility_and_plain_text():
    assert as_request("Would you mind adding X to Sales?") == "add X to Sales"
    assert as_request("can I make X an admin?") == "can I make X an admin?"
    assert as_request("I need X to be able to send on EMEA") == "I need X to have sender rights on EMEA"


def test_asking_someone_to_act_in_a_question_form_is_a_request():
    assert not reads_as_question("Do you mind reactivating lisa.wong@acme.com on Acme Main?")
    assert not reads_as_question("Is it possible to add wei.zhang@acme.com to the HR group?")
    assert reads_as_question("Is it possible that she was closed?")
    assert reads_as_question("Does emma have access to EMEA?")
