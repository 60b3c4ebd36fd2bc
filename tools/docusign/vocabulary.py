"""The organization's names for a planner, read lazily: one account's profiles or groups on demand.

Why: a planner grounds the names in a request in the org's own vocabulary, but a request names one
account (or none: the default one) and reading every account's profiles and groups first cost
two requests per account on every cold command. ``AccountNames`` is a mapping from account name
to that account's profile (or group) names that reads DocuSign only for the account looked up
(``names.get("EMEA")``, ``names["EMEA"]``), through the Directory's caches (this session's and
the store's). Iterating its values still reads every account: a planner should find the
account mentioned first, then ask for that account's names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from tools.docusign.resolvers import Directory, ResolutionError


class AccountNames(Mapping[str, tuple[str, ...]]):
    """Account name -> permission profile names (``kind="profiles"``) or group names (``"groups"``)."""

    def __init__(self, directory: Directory, kind: Literal["profiles", "groups"]) -> None:
        self._directory = directory
        self._kind = kind
        self._read: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, account: str) -> tuple[str, ...]:
        try:
            ref = self._directory.account(account)
        except ResolutionError:
            raise KeyError(account) from None
        if ref.name not in self._read:
            try:
                refs = (
                    self._directory.permission_profiles(ref.id)
                    if self._kind == "profiles"
                    else self._directory.groups(ref.id)
                )
            except Exception:  # DocuSign unreachable: the planner works from the words alone
                return ()
            self._read[ref.name] = tuple(r.name for r in refs)
        return self._read[ref.name]

    def __iter__(self) -> Iterator[str]:
        try:
            return iter([a.name for a in self._directory.accounts()])
        except Exception:
            return iter(())

    def __len__(self) -> int:
        return len(list(iter(self)))

    def cached(self, account: str) -> tuple[str, ...] | None:
        """The account's names if already read (this session, or the store's cache within its
        TTL), else None; never a DocuSign request (beyond the organization's, itself cached)."""
        if account in self._read:
            return self._read[account]
        try:
            names = self._directory.known_names(self._kind, self._directory.account(account).id)
        except Exception:  # unknown account or DocuSign unreachable: nothing known
            return None
        return None if names is None else tuple(names)

    def loaded(self) -> dict[str, tuple[str, ...]]:
        """The accounts read so far (for logs and tests: what the request cost)."""
        return dict(self._read)
