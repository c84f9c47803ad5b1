"""Every ticket list tab costs the same number of queries with a few tickets or many.

View "all" is covered in test_views.py; these are the other tabs, a search and a later page.
Server time at 100,000 tickets is measured by bench/pages_bench.py (docs/performance.md).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets.tests.test_views import make_tickets, rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "small", "large"),
    [
        ("/tickets/", 3, 33),  # mine: every third ticket is alice's
        ("/tickets/?view=unassigned", 3, 33),  # odd ones are in her Research queue, less her own
        ("/tickets/?view=all&q=maps", 9, 50),  # a page holds 50
        ("/tickets/?view=all&page=2", 10, 50),  # with one page, page 2 shows the last one
    ],
)
def test_it_lists_a_tab_in_a_fixed_number_of_queries(
    client, queues, alice, bob, url, small, large, django_assert_num_queries
):
    client.force_login(alice)
    make_tickets(queues, alice, bob, 9)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert len(rows(response)) == small

    make_tickets(queues, alice, bob, 90)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert len(rows(response)) == large
