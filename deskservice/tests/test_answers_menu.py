"""The top bar's Answers menu (the manuals' "Answers > Create"): for the roles that work tickets."""

import pytest

pytestmark = pytest.mark.django_db

MENU = 'aria-controls="answers-menu"'


def test_it_offers_answers_create_to_every_role_that_works_tickets(client, alice, lena, barb, sue):
    for user in (alice, lena, barb, sue):
        client.force_login(user)
        page = client.get("/tickets/").content.decode()
        assert MENU in page, user.username
        assert '<a href="/tickets/new/">Create</a>' in page
        assert '<a href="/tickets/?view=unassigned">Unassigned in my queues</a>' in page
    new = client.get("/tickets/new/").content.decode()
    assert '<a href="/tickets/new/" aria-current="page">Create</a>' in new


def test_it_leaves_the_menu_out_for_staff_who_do_not_work_the_desk(client, stranger):
    client.force_login(stranger)
    refused = client.get("/desk/")
    assert refused.status_code == 403
    assert MENU not in refused.content.decode()
