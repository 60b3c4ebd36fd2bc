"""Properties of the planner over generated requests (hypothesis), on the fixture's real vocabulary.

1. A question, however it opens and whatever org names and write verbs it carries, never proposes
   a write.
2. An unknown profile, group or account name never becomes a write that names a different,
   existing one ("Super Admin" is not Account Administrator, "HR Partners" is not HR).
3. Every free-text value a write carries (first/last name, job title) occurs in the request.
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agent.backends.offline import Planner
from agent.backends.offline.grounding import FUNCTION_WORDS, SELF_WORDS, Lexicon
from tests.agent.backends.offline.conftest import fixture_vocabulary

VOCABULARY = fixture_vocabulary()
LEXICON = Lexicon(VOCABULARY)
WRITES = ("manage_user", "manage_account_membership")
ADMIN = "admin@acme.com"
ACTORS = st.sampled_from(
    [(ADMIN, ("admin",)), ("sam.lee@acme.com", ("employee",)), ("maya.chen@acme.com", ())]
)
EMAILS = ["john.doe@acme.com", "maya.chen@acme.com", "sam.lee@acme.com", "jane.smith@acme.com"]
NAMES = [
    *VOCABULARY.accounts,
    *VOCABULARY.all_profiles(),
    *VOCABULARY.all_groups(),
    "sender",
    "admin",
    "viewer",
]
VERBS = [
    "change",
    "make",
    "give",
    "close",
    "purge",
    "add",
    "remove",
    "provision",
    "reactivate",
    "set",
    "grant",
    "promote",
    "delete",
    "rename",
    "update",
    "move",
    "put",
]
GLUE = [
    "to",
    "on",
    "in",
    "as",
    "the",
    "group",
    "profile",
    "account",
    "my",
    "me",
    "his",
    "job title",
    "from",
    "first name",
    "all",
    "please",
    "now",
]
OPENERS = [
    "Do I have",
    "do i have",
    "Does {email} have",
    "Is {email}",
    "is {email}",
    "Are there",
    "Which {thing} should I",
    "which {thing} should we",
    "What would happen if I",
    "what would happen if we",
    "Can you tell me whether",
    "can you tell me if",
    "Could you tell me whether",
    "Tell me whether",
    "I wonder whether",
    "Should I",
    "Has {email}",
    "Why is {email}",
    "How many",
    "Who can",
    "What if I",
]
THINGS = ["permission profile", "profile", "group", "account", "role"]


def _words(draw_list):
    return st.lists(st.sampled_from(draw_list), min_size=1, max_size=8)


@st.composite
def questions(draw) -> str:
    opener = draw(st.sampled_from(OPENERS)).format(
        email=draw(st.sampled_from(EMAILS)), thing=draw(st.sampled_from(THINGS))
    )
    pool = VERBS + GLUE + NAMES + EMAILS
    body = " ".join(draw(_words(pool)))
    return f"{opener} {body}{draw(st.sampled_from(['?', '', ' ?', '??']))}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=questions(), actor=ACTORS)
def test_a_question_never_proposes_a_write(text, actor):
    plan = Planner(VOCABULARY, actor[0], actor[1]).plan(text)
    assert not [c for c in plan.calls or [] if c.action in WRITES], (text, plan.calls)


MODIFIER_WORDS = [
    "Super",
    "Billing",
    "junior",
    "Limited",
    "Partners",
    "Sandbox",
    "Ops",
    "Global",
    "legacy",
    "Premium",
    "Beta",
    "Europe",
    "Read-Only",
    "temp",
    "External",
    "Senior",
    "power",
]
# made-up words; a function word ("now", "the") is grammar around a name, not part of it
RANDOM_WORD = st.text(string.ascii_letters, min_size=3, max_size=9).filter(
    lambda w: w.lower() not in FUNCTION_WORDS | SELF_WORDS
)


def _unknown(name: str) -> bool:
    low = " ".join(name.lower().split())
    words = set(low.split())
    function = {
        "to",
        "on",
        "in",
        "as",
        "at",
        "the",
        "a",
        "an",
        "of",
        "for",
        "and",
        "or",
        "from",
        "with",
        "is",
        "be",
        "all",
        "me",
        "my",
        "it",
        "by",
        "into",
        "group",
        "groups",
        "account",
        "accounts",
        "profile",
        "role",
        "rights",
        "permissions",
        "access",
        "pending",
        "active",
        "closed",
        "disabled",
    }
    return (
        bool(low)
        and low not in LEXICON.phrases
        and not words & function
        and not any(low == n.lower() for n in NAMES)
        and not any(w in {n.lower() for n in NAMES} for w in words)  # not two known names side by side
    )


@st.composite
def unknown_names(draw) -> str:
    """A name the org does not have: a known name qualified by other words, or made-up words."""
    known = draw(st.sampled_from(NAMES))
    extra = draw(st.lists(st.sampled_from(MODIFIER_WORDS) | RANDOM_WORD, min_size=1, max_size=2))
    where = draw(st.sampled_from(["before", "after", "alone"]))
    parts = [*extra, known] if where == "before" else [known, *extra] if where == "after" else extra
    name = " ".join(parts)
    assume(_unknown(name) or where != "alone")
    assume(" ".join(name.lower().split()) not in LEXICON.phrases)
    return name


TEMPLATES = {
    "permission_profile": [
        "Change john.doe@acme.com to {name} on EMEA",
        "make john.doe@acme.com a {name} on EMEA",
        "Provision maya.chen@acme.com on Acme Main as {name}",
        'give jane.smith@acme.com the "{name}" profile on Acme Legal',
        "I need the {name} profile on Acme Main",
    ],
    "groups": [
        "Add john.doe@acme.com to the {name} group on EMEA",
        "put sam.lee@acme.com in the {name} group on Acme Main",
        "Provision maya.chen@acme.com on Acme Main as DocuSign Sender in the {name} group",
    ],
    "account": [
        "Provision maya.chen@acme.com on {name} as DocuSign Sender",
        "Change john.doe@acme.com to DocuSign Viewer on the {name} account",
        "close maya.chen@acme.com's membership on the {name} account",
    ],
}


def _named(call, slot: str) -> list[str]:
    value = call.args.get(slot)
    if slot == "account":
        value = [value, *(call.args.get("accounts") or [])]
    return [v for v in (value if isinstance(value, list) else [value]) if v]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(name=unknown_names(), slot=st.sampled_from(sorted(TEMPLATES)), data=st.data(), actor=ACTORS)
def test_an_unknown_name_never_becomes_a_write_naming_an_existing_one(name, slot, data, actor):
    template = data.draw(st.sampled_from(TEMPLATES[slot]))
    text = template.format(name=name)
    plan = Planner(VOCABULARY, actor[0], actor[1]).plan(text)
    for call in plan.calls or []:
        if call.action in WRITES:
            assert not _named(call, slot), (text, call.args)


FREE_TEXT = st.text(string.ascii_letters + " -'.,!?", min_size=1, max_size=40) | st.sampled_from(
    [
        "just Müller now - can you update it for her",
        "on",
        "Account Executive",
        "the new one please",
        "Sales Director",
        "J. R. R.",
        "O'Brien",
        "can you",
        "Müller",
    ]
)
FREE_TEMPLATES = [
    "Update john.doe@acme.com's job title to {value}",
    "set the job title of john.doe@acme.com to '{value}' on EMEA",
    "john.doe@acme.com's job title should be {value}",
    "change the last name of zoe.muller@acme.com to {value}",
    "zoe.muller@acme.com's last name is {value}",
    "rename john.doe@acme.com to {value}",
    "Create user maya.chen@acme.com, first name {value}, last name Chen, on Acme Main as DocuSign Viewer",
    "update john.doe@acme.com, he is {value}",
]


@settings(max_examples=400, deadline=None)
@given(value=FREE_TEXT, template=st.sampled_from(FREE_TEMPLATES))
def test_free_text_written_always_occurs_in_the_request(value, template):
    text = template.format(value=value)
    plan = Planner(VOCABULARY, ADMIN, ("admin",)).plan(text)
    folded = " ".join(text.split()).lower()
    for call in plan.calls or []:
        for field in ("first_name", "last_name", "job_title"):
            written = call.args.get(field)
            if written:
                assert " ".join(written.split()).lower() in folded, (text, field, written)
