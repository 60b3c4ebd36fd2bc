"""Questions about *how* to do something ("how do I add a user?") are answered with how to ask.

Why: read as a request, "how do I add a user?" listed every user of the organization: the question
guard rightly kept it from writing, but a listing is not an answer. The person wants the words that
get it done, so the reply gives an example for the act asked about (a table: verbs -> example), and
nothing is read or changed. An act no row knows falls through to the usual reading (so does a
look-up: "how do I find who is pending" is answered by the listing itself).
"""

from __future__ import annotations

import re

HOW = re.compile(
    r"^(?:how (?:do|can|could|would|should|will|does) (?:i|we|you|one|an admin|someone)|how to|"
    r"what(?:'s| is) the (?:best )?way to|is there a way to)\s+(?:go about\s+)?"
    r"(?P<verb>[a-z-]+)\b(?P<rest>.*)$",
    re.I,
)
_GROUPS = re.compile(r"\bgroups?\b", re.I)
_SELF = re.compile(r"\b(me|my|myself)\b|^how (?:do|can) i (?:get|request|ask)", re.I)

# (verbs, what the act is, examples of asking for it)
ACTS: tuple[tuple[frozenset[str], str, tuple[str, ...]], ...] = (
    (frozenset({"add", "provision", "create", "invite", "onboard", "set", "setup", "register"}),
     "add a user",
     ("Provision maya.chen@acme.com on Acme Main as DocuSign Sender in Sales",
      "Add john.doe@acme.com to EMEA as DocuSign Viewer")),
    (frozenset({"remove", "close", "offboard", "deactivate", "disable", "deprovision", "kick", "revoke"}),
     "remove someone's access",
     ("Close maya.chen@acme.com's membership in Contractors",
      "Offboard maya.chen@acme.com (closes every membership, after you confirm)")),
    (frozenset({"change", "make", "switch", "upgrade", "downgrade", "promote", "demote", "give", "grant",
                "get", "request", "obtain"}),
     "change someone's permission profile",
     ("Change john.doe@acme.com to DocuSign Viewer on EMEA",)),
    (frozenset({"reactivate", "restore", "reopen", "re-activate", "unblock", "enable"}),
     "give back access that was closed",
     ("Reactivate maya.chen@acme.com on Contractors as DocuSign Viewer",)),
    (frozenset({"purge", "delete", "erase", "wipe"}),
     "purge a user",
     ("Purge maya.chen@acme.com (every membership closed for 24 hours first; you confirm, an approver "
      "approves)",)),
    (frozenset({"rename", "update", "fix", "edit"}),
     "update a user's name or job title",
     ("Update john.doe@acme.com's job title to Account Executive",
      "Change raj.kumar@acme.com's last name to Kumaar")),
)
GROUP_EXAMPLES = ("Add john.doe@acme.com to the Finance group on EMEA",
                  "Remove john.doe@acme.com from the Sales group on EMEA")
OWN_EXAMPLES = ("I need a DocuSign seat to send contracts", "I need sender rights on Acme Main")


def how_to(text: str, employee: bool = False) -> str | None:
    """The answer to a how-to question, or None when ``text`` is not one dsadmin has an example for."""
    m = HOW.match(text.strip())
    if m is None:
        return None
    verb, rest = m.group("verb").lower(), m.group("rest")
    found = next(((act, examples) for verbs, act, examples in ACTS if verb in verbs), None)
    if found is None:
        return None
    act, examples = found
    if employee and _SELF.search(text):
        act, examples = "ask for access for yourself", OWN_EXAMPLES
    elif _GROUPS.search(rest):
        act, examples = "change someone's groups", GROUP_EXAMPLES
    said = "\n".join(f"  - \u201c{e}\u201d" for e in examples)
    after = (" It goes to an approver; nothing changes until they approve." if examples is OWN_EXAMPLES
             else " I show what would change before anything runs.")
    return f"To {act}, just ask me, for example:\n{said}\n{after.strip()} Nothing was read or changed now."
