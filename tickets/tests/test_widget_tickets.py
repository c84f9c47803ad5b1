"""POST /api/widget/v1/tickets: the form a patron fills in when nobody is online.

`queues` (Access Services by default, one per department) comes from tickets/tests/conftest.py.
"""

import json

import pytest

from tickets.models import Ticket

URL = "/api/widget/v1/tickets"
DESK = "http://127.0.0.1:8000"


def post(client, payload=None, *, raw=None, origin=DESK, **extra):
    body = raw if raw is not None else json.dumps(payload if payload is not None else {})
    headers = {"Origin": origin} if origin else {}
    return client.post(URL, body, content_type="application/json", headers=headers, **extra)


def form(**extra):
    return {
        "department": "research",
        "question": "Can you find me the 1987 city council minutes?",
        "email": "pat@example.org",
        "name": "Pat Patron",
        **extra,
    }


def assert_error(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"].endswith(".")
    assert body.get("field") == field
    return body["error"]


def test_it_opens_a_ticket_in_the_departments_queue_while_nobody_is_online(client, queues):
    response = post(client, form())
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert response.json() == {"number": ticket.number}
    assert ticket.number > 10000
    assert ticket.queue == queues["research"]
    assert ticket.source == Ticket.Source.WIDGET
    assert (ticket.question, ticket.patron_email, ticket.patron_name) == (
        "Can you find me the 1987 city council minutes?",
        "pat@example.org",
        "Pat Patron",
    )


def test_it_uses_the_default_queue_without_a_department(client, queues):
    payload = form()
    del payload["department"], payload["name"]
    assert post(client, payload).status_code == 201
    assert Ticket.objects.get().queue == queues["access"]


@pytest.mark.parametrize(
    "payload, field, error",
    [
        (form(email=""), "email", "An email address is needed so that we can reply."),
        (form(email="pat@"), "email", "An email address is needed so that we can reply."),
        (form(email=["pat@example.org"]), "email", "The email must be text."),
        (form(question=""), "question", "Please write your question."),
        (form(question="  \n "), "question", "Please write your question."),
        (form(question=42), "question", "Please write your question."),
        (form(question="q" * 10_001), "question", None),
        (form(name={"first": "Pat"}), "name", "The name must be text."),
        (form(department="nowhere"), "department", "Choose one of the library's departments."),
        (form(department=3), "department", "The department must be text."),
    ],
)
def test_it_refuses_an_incomplete_form_naming_the_field(client, queues, payload, field, error):
    message = assert_error(post(client, payload), 400, field)
    if error:
        assert message == error
    assert not Ticket.objects.exists()


def test_it_drops_nul_characters_instead_of_failing(client, queues):
    assert post(client, form(question="Where\x00 is it?", name="Pat\x00")).status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.question, ticket.patron_name) == ("Where is it?", "Pat")


@pytest.mark.parametrize("raw", ["{nope", "[]", '"question"', b"\xff{}", '{"question": "\\ud800"}'])
def test_it_refuses_a_body_that_is_not_a_json_object(client, queues, raw):
    assert_error(post(client, raw=raw), 400)
    assert not Ticket.objects.exists()


def test_it_refuses_an_oversized_body_with_413(client, queues):
    assert_error(post(client, form(question="q" * 70_000)), 413)


def test_it_refuses_a_site_that_may_not_use_the_widget(client, queues, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://www.library.example.edu"]
    error = assert_error(post(client, form(), origin="https://evil.example"), 403)
    assert error == "This site is not allowed to use the chat widget."
    assert not Ticket.objects.exists()
    assert post(client, form(), origin="https://www.library.example.edu").status_code == 201


def test_it_rate_limits_each_address(client, queues, settings):
    settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 2
    statuses = [post(client, form()).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert Ticket.objects.count() == 2
    assert post(client, form(), REMOTE_ADDR="10.0.0.2").status_code == 201


def test_it_only_takes_posts(client, queues):
    assert client.get(URL).status_code == 405
