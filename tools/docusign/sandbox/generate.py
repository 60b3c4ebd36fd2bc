"""Large orgs for benchmarks: ``generate_org(100_000)`` is a fixture dict in the acme shape.

Why a generator and not a file: 100,000 users is tens of megabytes of YAML; the generator makes
the same org every time for a seed, with statuses, multi-account users and groups in realistic
proportions, and keeps the people the product's default configuration knows.
"""

from __future__ import annotations

import random
from typing import Any

_FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Gita",
    "Hugo",
    "Ines",
    "Jamal",
    "Kira",
    "Luis",
    "Mina",
    "Nils",
    "Oona",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yara",
    "Zane",
]
_LAST = [
    "Adams",
    "Bauer",
    "Cruz",
    "Dubois",
    "Evans",
    "Fischer",
    "Gupta",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okoro",
    "Petrov",
    "Quispe",
    "Rossi",
    "Sato",
    "Tanaka",
    "Ueda",
    "Varga",
]
_TITLES = [
    "Account Executive",
    "Analyst",
    "Engineer",
    "Manager",
    "Paralegal",
    "Recruiter",
    "Controller",
    "Buyer",
]
_ACCOUNTS = [
    ("Acme Main", ["Everyone", "Administrators", "Sales", "Legal", "Finance", "HR"]),
    ("Acme Legal", ["Everyone", "Administrators", "Legal", "Litigation"]),
    ("EMEA", ["Everyone", "Administrators", "Sales", "Finance"]),
    ("Contractors", ["Everyone", "Administrators", "Vendors"]),
]
_PROFILES = ["DocuSign Sender", "DocuSign Viewer", "Account Administrator"]
_STATUSES = [
    ("active", 80),
    ("activation_sent", 7),
    ("activation_required", 3),
    ("closed", 8),
    ("disabled", 2),
]


def generate_org(users: int, *, seed: int = 0, domain: str = "acme.com") -> dict[str, Any]:
    """An org of ``users`` users (admin@, approver@ and sam.lee@ among them) for ``Sandbox.from_fixture``."""
    if users < 3:
        raise ValueError("a generated org needs at least 3 users (admin, approver, an employee)")
    rng = random.Random(seed)
    accounts = [
        {
            "name": name,
            "default": name == "Acme Main",
            "permission_profiles": _PROFILES + (["Paralegal"] if name == "Acme Legal" else []),
            "groups": groups,
        }
        for name, groups in _ACCOUNTS
    ]
    everywhere = {
        name: {"permission_profile": "Account Administrator", "groups": ["Administrators"]}
        for name, _ in _ACCOUNTS
    }
    people: list[dict[str, Any]] = [
        {
            "email": f"admin@{domain}",
            "first_name": "Priya",
            "last_name": "Raman",
            "organization_admin": True,
            "memberships": everywhere,
        },
        {
            "email": f"approver@{domain}",
            "first_name": "Grace",
            "last_name": "Okafor",
            "memberships": {"Acme Main": {"permission_profile": "Account Administrator"}},
        },
        {
            "email": f"sam.lee@{domain}",
            "first_name": "Sam",
            "last_name": "Lee",
            "memberships": {"Acme Main": {"permission_profile": "DocuSign Sender"}},
        },
    ]
    statuses = [s for s, _ in _STATUSES]
    weights = [w for _, w in _STATUSES]
    for n in range(users - len(people)):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}.{n}@{domain}"
        count = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        memberships = {}
        for name, groups in rng.sample(_ACCOUNTS, count):
            status = rng.choices(statuses, weights)[0]
            entry: dict[str, Any] = {
                "status": status,
                "permission_profile": rng.choice(_PROFILES[:2]),
                "groups": [rng.choice(groups[2:])] if rng.random() < 0.6 else [],
                "job_title": rng.choice(_TITLES),
            }
            if status == "closed":
                entry["closed_days_ago"] = rng.randint(0, 400)
            memberships[name] = entry
        people.append(
            {
                "email": email,
                "first_name": first,
                "last_name": last,
                "created_days_ago": rng.randint(1, 900),
                "memberships": memberships,
            }
        )
    return {"organization": {"name": "Acme Corp", "domains": [domain]}, "accounts": accounts, "users": people}
