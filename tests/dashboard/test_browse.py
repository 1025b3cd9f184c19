"""`services.requests.browse.browse_requests`: a text or customer search (paged in Python after one scan)
orders exactly like the database does for every other filter, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UsageError
from services.requests.browse import SORTS, RequestFilters, browse_requests
from services.requests.request_input import build_input
from services.requests.workflow import change_status, create_request
from tests.fakes.harness import Harness


def test_python_paging_matches_the_databases_order(any_db_bot: Harness) -> None:
    bot = any_db_bot
    tiers = ("diamond", "gold", "silver", "bronze")
    with bot.services.db.session() as session:
        for n in range(1, 31):
            bot.clock.advance(timedelta(hours=1) if n % 4 else timedelta(0))  # some share a creation time
            create_request(
                session=session,
                data=build_input(
                    description=f"Gadget feature {n}",
                    customer=f"Customer {n % 7}",
                    tier=tiers[n % 4],
                    arr=f"{(n % 5) * 10}k",  # ties on ARR and RICE: the id decides
                ),
                platform="slack",
                user="U1",
                now=bot.services.now(),
            )
        change_status(
            session=session,
            request_id=3,
            status="shipped",
            actor_platform="slack",
            actor="UPM",
            now=bot.services.now(),
        )
    with bot.services.db.session() as session:
        for sort in SORTS:
            for most_first in (True, False):
                for per_page, page in ((7, 1), (7, 3), (7, 5)):
                    plain = browse_requests(
                        session=session,
                        filters=RequestFilters(status="all"),
                        sort=sort,
                        most_first=most_first,
                        page=page,
                        per_page=per_page,
                    )
                    searched = browse_requests(
                        session=session,
                        filters=RequestFilters(status="all", text="gadget"),
                        sort=sort,
                        most_first=most_first,
                        page=page,
                        per_page=per_page,
                    )
                    assert (searched.total, searched.page) == (plain.total, plain.page) == (30, page)
                    assert [r.request.id for r in searched.rows] == [r.request.id for r in plain.rows], (
                        sort,
                        most_first,
                        page,
                    )
        everything = browse_requests(session=session, filters=RequestFilters(status="all"), per_page=200)
        rice = [(r.request.rice, r.request.total_arr_usd, r.request.id) for r in everything.rows]
        assert rice == sorted(rice, reverse=True)
        assert (
            browse_requests(session=session, filters=RequestFilters(), per_page=200).total == 29
        )  # open only
        shipped = browse_requests(session=session, filters=RequestFilters(status="shipped"))
        assert [r.request.id for r in shipped.rows] == [3]
        customer = browse_requests(
            session=session, filters=RequestFilters(status="all", customer="customer 3")
        )
        assert {r.request.id for r in customer.rows} == {3, 10, 17, 24}


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        (RequestFilters(status="done"), "Unknown status"),
        (RequestFilters(tier="platinum"), "Unknown tier"),
        (RequestFilters(platform="teams"), "Unknown platform"),
        (RequestFilters(area="x" * 201), "too long"),
    ],
)
def test_bad_filters_are_usage_errors(filters: RequestFilters, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        filters.checked()
