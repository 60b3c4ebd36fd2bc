"""Paging: every page once, in order, concurrently when the total is known, `next` otherwise."""

from __future__ import annotations

import threading

import httpx
import pytest

from tools.docusign import AdminClient, TokenAuth
from tools.docusign.paging import PagingError

ORG = "0b6f2a44-0000-4000-8000-000000000001"
ACCT = "1c7e3b55-0000-4000-8000-000000000002"
BASE = "https://admin.example.invalid/Management"


class Listing:
    """Serves `GET .../users?account_id=` over a list of users the way DocuSign pages it."""

    def __init__(self, count: int, *, with_total: bool = True, barrier: threading.Barrier | None = None):
        self.emails = [f"user{i:05d}@x.com" for i in range(count)]
        self.with_total = with_total
        self.barrier = barrier
        self.starts: list[int] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("start", 0))
        take = int(request.url.params.get("take", 100))
        assert take <= 100 and request.url.params["account_id"] == ACCT
        with self.lock:
            self.starts.append(start)
            index = len(self.starts)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.barrier is not None and 2 <= index <= 1 + self.barrier.parties:
                self.barrier.wait(timeout=10)  # only passes if `parties` pages are in flight together
            page = self.emails[start : start + take]
            end = start + len(page)
            paging = {
                "result_set_size": len(page),
                "result_set_start_position": start,
                "result_set_end_position": end - 1,
            }
            if self.with_total:
                paging["total_set_size"] = len(self.emails)
            if end < len(self.emails):
                paging["next"] = (
                    f"{BASE}/v2/organizations/{ORG}/users?account_id={ACCT}&start={end}&take={take}"
                )
            if start:
                paging["previous"] = f"{BASE}/v2/organizations/{ORG}/users?start={max(0, start - take)}"
            users = [
                {"id": f"00000000-0000-4000-8000-{i:012d}", "email": e, "user_name": e}
                for i, e in enumerate(page, start)
            ]
            return httpx.Response(200, json={"users": users, "paging": paging})
        finally:
            with self.lock:
                self.in_flight -= 1


def client(listing, concurrency=4, records=None) -> AdminClient:
    return AdminClient(
        BASE,
        TokenAuth("t"),
        transport=httpx.MockTransport(listing),
        max_concurrency=concurrency,
        on_request=records.append if records is not None else None,
    )


def test_many_pages_fetched_once_each_in_order_and_concurrently():
    listing = Listing(1050, barrier=threading.Barrier(4))
    records = []
    with client(listing, concurrency=4, records=records) as c:
        users = c.users(ORG, account_id=ACCT)
    assert [u.email for u in users] == listing.emails
    assert sorted(listing.starts) == list(range(0, 1050, 100)) and len(listing.starts) == 11
    assert listing.max_in_flight <= 4  # bounded
    assert len(records) == 11 and all(r.status == 200 for r in records)


def test_without_a_total_next_is_followed_one_page_at_a_time():
    listing = Listing(250, with_total=False)
    with client(listing) as c:
        users = c.users(ORG, account_id=ACCT)
    assert [u.email for u in users] == listing.emails
    assert listing.starts == [0, 100, 200] and listing.max_in_flight == 1


def test_sequential_client_follows_next():
    listing = Listing(230)
    with client(listing, concurrency=1) as c:
        assert len(c.users(ORG, account_id=ACCT)) == 230
    assert listing.starts == [0, 100, 200]


def test_a_set_that_grew_while_paging_is_read_to_its_end():
    listing = Listing(150)
    real_call = listing.__call__

    def growing(request):
        if len(listing.starts) == 1:  # after the first page reported 150, 100 more arrive
            listing.emails.extend(f"late{i:03d}@x.com" for i in range(100))
        return real_call(request)

    with client(growing) as c:
        users = c.users(ORG, account_id=ACCT)
    assert [u.email for u in users] == listing.emails and len(users) == 250


def test_single_page_needs_one_request():
    listing = Listing(40)
    with client(listing) as c:
        assert len(c.users(ORG, account_id=ACCT)) == 40
    assert listing.starts == [0]


def test_a_next_that_does_not_advance_is_an_error_not_a_loop():
    def stuck(request):
        return httpx.Response(
            200,
            json={
                "users": [{"email": "a@x.com"}],
                "paging": {
                    "result_set_size": 1,
                    "next": f"{BASE}/v2/organizations/{ORG}/users?account_id={ACCT}&start=5",
                },
            },
        )

    with client(stuck) as c, pytest.raises(PagingError, match="does not advance"):
        c.users(ORG, account_id=ACCT)


def test_groups_page_too():
    def groups(request):
        start = int(request.url.params["start"])
        page = [{"id": i, "name": f"G{i}", "type": "custom"} for i in range(start, min(start + 100, 130))]
        paging = {
            "result_set_size": len(page),
            "result_set_end_position": start + len(page) - 1,
            "total_set_size": 130,
        }
        if start + 100 < 130:
            paging["next"] = f"{BASE}/x?start={start + 100}&take=100"
        return httpx.Response(200, json={"groups": page, "paging": paging})

    with client(groups) as c:
        got = c.groups(ORG, ACCT)
    assert [g.id for g in got] == list(range(130)) and all(isinstance(g.id, int) for g in got)


def test_listing_users_without_a_filter_is_refused_before_sending():
    listing = Listing(1)
    with (
        client(listing) as c,
        pytest.raises(ValueError, match="email, account_id or organization_reserved_domain_id"),
    ):
        c.users(ORG)
    assert listing.starts == []


def test_names_where_ids_belong_are_refused_before_sending():
    listing = Listing(1)
    with client(listing) as c, pytest.raises(ValueError, match=r"account_id must be a GUID.*Directory"):
        c.users(ORG, account_id="EMEA")
    assert listing.starts == []
