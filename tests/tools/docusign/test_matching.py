"""Name matching behind the Directory: case and spacing ignored, misses suggest, ambiguity refuses."""

from __future__ import annotations

import pytest

from tools.docusign.resolvers import ResolutionError, _Named, _pick, suggestions_for

PROFILES = ["DocuSign Sender", "DocuSign Viewer", "Account Administrator", "Paralegal"]


def named(names):
    return [_Named(n, i + 10, n) for i, n in enumerate(names)]


@pytest.mark.parametrize("said", ["docusign sender", "DOCUSIGN SENDER", "  DocuSign   Sender "])
def test_case_and_spacing_do_not_matter(said):
    assert _pick("permission_profile", said, named(PROFILES), " on EMEA") == "DocuSign Sender"


def test_ids_match_too():
    assert _pick("permission_profile", 13, named(PROFILES), "") == "Paralegal"
    assert _pick("permission_profile", "13", named(PROFILES), "") == "Paralegal"


def test_a_miss_names_the_nearest_real_names():
    with pytest.raises(ResolutionError) as caught:
        _pick("permission_profile", "Docusign sendr", named(PROFILES), " on EMEA")
    err = caught.value
    assert err.kind == "permission_profile" and err.value == "Docusign sendr"
    assert err.suggestions[0] == "DocuSign Sender"
    assert err.message.startswith(
        "no permission profile 'Docusign sendr' on EMEA; did you mean 'DocuSign Sender'"
    )


def test_a_partial_name_suggests_the_names_containing_it():
    assert suggestions_for("sender", PROFILES) == ["DocuSign Sender"]
    assert set(suggestions_for("docusign", PROFILES)) == {"DocuSign Sender", "DocuSign Viewer"}


def test_a_miss_with_nothing_close_lists_what_exists():
    with pytest.raises(ResolutionError) as caught:
        _pick("group", "Zebra", named(["Sales", "Legal"]), " on EMEA")
    assert caught.value.suggestions == []
    assert caught.value.message == "no group 'Zebra' on EMEA; known: Legal, Sales"


def test_an_ambiguous_name_lists_every_candidate_with_its_id():
    with pytest.raises(ResolutionError) as caught:
        _pick(
            "account", "emea", [_Named("EMEA", "a-1", 1), _Named("Emea", "a-2", 2)], " in organization 'Acme'"
        )
    msg = caught.value.message
    assert "ambiguous" in msg and "'EMEA' (id a-1)" in msg and "'Emea' (id a-2)" in msg
    assert caught.value.suggestions == ["EMEA", "Emea"]
