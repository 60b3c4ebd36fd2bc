"""The write permit: present only inside `with permit(...)`, in that context only."""

from __future__ import annotations

import threading

import pytest

from tools.docusign.guard import GateBypassError, current_permit, permit, require_permit


def test_no_permit_by_default():
    assert current_permit() is None
    with pytest.raises(GateBypassError, match=r"update_users is a DocuSign write.*tools\.gate"):
        require_permit("update_users")


def test_permit_is_scoped_and_nests():
    with permit("call abc"):
        assert require_permit("x") == "call abc"
        with permit("call def"):
            assert require_permit("x") == "call def"
        assert require_permit("x") == "call abc"
    assert current_permit() is None


def test_permit_is_released_when_the_write_fails():
    with pytest.raises(RuntimeError), permit("call abc"):
        raise RuntimeError("DocuSign said no")
    assert current_permit() is None


def test_a_permit_does_not_leak_into_other_threads():
    seen = []
    with permit("call abc"):
        thread = threading.Thread(target=lambda: seen.append(current_permit()))
        thread.start()
        thread.join()
    assert seen == [None]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_permit_needs_a_reason(reason):
    with pytest.raises(ValueError, match="non-empty reason"), permit(reason):
        pass
