"""Word lists the grounding reads: data, kept apart from the rules that use them."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A set from a whitespace-separated list (easier to read and extend than a literal)."""
    return frozenset(text.split())


# Words that may stand before or after a name without being part of it ("make her an admin",
# "Acme Main today"), the domain's own nouns included ("DocuSign Sender seat").
FUNCTION_WORDS = words(
    """
    a about access account accounts activated active add after again already also am an and any apply are
    as asap ask asks assign at back be because become been being both bump but by can change check
    cheers choose close closed could create current currently data deactivated demote did disabled
    do docusign does down downgrade drop each either even every exactly existing find for former friday from
    full-time gave get gets give got grant group groups had has have he help her here him his how i
    if in instead into invite is it its just keep know let level licence licences license licenses
    like list look made make may me membership memberships monday month move my need needs neither
    new no nor not now of off ok okay old on onboard only or our out over own pending permission
    permissions pick please pls plz previous profile profiles promote provision reactivate remove
    reopen request requests restore revoke rights role roles same saturday seat seats see set she
    should show so solely some status still strip such sunday switch take team tell than thanks that the
    their them then there these they think this those thursday thx to today tomorrow tonight too try
    tuesday ty under up upgrade us use user users very via want wants was way we wednesday week were
    what when where whether which who whom why will with wonder would yesterday yet you your
    """
)

# Words that qualify a profile into another one ("Senior Paralegal" is not "Paralegal").
MODIFIERS = words(
    """
    advanced assistant basic billing co deputy external full global guest junior lead limited local
    master org organization partial power read-only readonly regional restricted senior site
    standard sub super system team temp temporary
    """
)

# The words intent cues are made of (a misspelling of one is read as it in the placeholder sentence).
CUE_WORDS = tuple(
    sorted(
        words(
            """
            provision onboard create invite change switch promote demote upgrade downgrade reactivate
            restore reopen close deactivate offboard deprovision remove delete purge redact update rename
            assign grant display
            search permission permissions profile profiles account accounts group groups membership
            memberships pending active closed disabled users access
            """
        )
    )
)

# Short verbs, read through a typo only when two neighbouring letters are swapped ("mkae"): a
# looser match on four letters would turn real words into verbs.
SHORT_CUES = words("make give move kill nuke drop kick bump list show find")
