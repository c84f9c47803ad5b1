"""The ticket pages: who may open them, what they show, and what bad input gets back."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from chat import services as chat_services
from chat.models import Message
from tickets import services
from tickets.models import OutgoingEmail, Ticket, TicketAttachment, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


def detail_url(ticket, action=""):
    return reverse(f"tickets:{action or 'detail'}", kwargs={"number": ticket.number})


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tickets/", "/tickets/new/", "/tickets/counts"])
def test_it_sends_signed_out_visitors_to_sign_in(client, queues, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_refuses_staff_who_are_not_operators(client, stranger, phone_ticket):
    client.force_login(stranger)
    for path in ["/tickets/", "/tickets/new/", detail_url(phone_ticket)]:
        assert client.get(path).status_code == 403
    assert client.post(detail_url(phone_ticket, "note"), {"body": "hi"}).status_code == 403
    assert not TicketMessage.objects.exists()


def test_it_refuses_posts_without_a_csrf_token(alice, phone_ticket):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(detail_url(phone_ticket, "note"), {"body": "hi"}).status_code == 403


def test_it_answers_404_for_an_unknown_ticket(as_alice, queues):
    assert as_alice.get("/tickets/99999/").status_code == 404
    assert as_alice.post("/tickets/99999/reply", {"body": "x", "version": 1}).status_code == 404


# --- Lists -----------------------------------------------------------------------------------


def make_tickets(queues, alice, bob, count):
    for i in range(count):
        services.create_ticket(
            question=f"Question {i} about maps",
            email=f"p{i}@example.org",
            source="phone",
            queue=queues["research"] if i % 2 else queues["access"],
            assignee=alice if i % 3 == 0 else None,
        )
    services.create_ticket(
        question="Bob's", email="b@example.org", source="phone", queue=queues["research"], assignee=bob
    )


def rows(response):
    return re.findall(r'class="tk-num"><a href="/tickets/(\d+)/"', response.content.decode())


def test_it_lists_mine_unassigned_in_my_queues_and_all(as_alice, queues, alice, bob):
    make_tickets(queues, alice, bob, 6)
    mine = as_alice.get("/tickets/")
    assert len(rows(mine)) == 2  # Tickets 0 and 3.
    assert 'aria-current="page"' in mine.content.decode()
    # Alice's queues: Research & Instruction (her department). Odd tickets without an assignee: 1, 5.
    unassigned = as_alice.get("/tickets/?view=unassigned")
    assert len(rows(unassigned)) == 2
    assert len(rows(as_alice.get("/tickets/?view=all"))) == 7


def test_it_filters_by_queue_status_and_source_and_searches(as_alice, queues, alice, bob, phone_ticket):
    make_tickets(queues, alice, bob, 4)
    services.change_ticket_status(ticket=phone_ticket, operator=alice, status="closed")
    all_url = "/tickets/?view=all"
    assert len(rows(as_alice.get(f"{all_url}&queue={queues['access'].pk}"))) == 2
    assert rows(as_alice.get(f"{all_url}&status=closed")) == [str(phone_ticket.number)]
    assert str(phone_ticket.number) not in rows(as_alice.get(all_url))  # Closed tickets hide by default.
    assert len(rows(as_alice.get(f"{all_url}&status=all"))) == 6
    assert len(rows(as_alice.get(f"{all_url}&source=walk_in"))) == 0
    assert rows(as_alice.get(f"{all_url}&status=all&q=%23{phone_ticket.number}")) == [str(phone_ticket.number)]
    assert rows(as_alice.get(f"{all_url}&status=all&q={phone_ticket.number}")) == [str(phone_ticket.number)]
    assert rows(as_alice.get(f"{all_url}&q=p2@example.org")) == [str(phone_ticket.number + 3)]
    assert len(rows(as_alice.get(f"{all_url}&q=about+maps"))) == 4
    response = as_alice.get(f"{all_url}&q=nothing+like+this")
    assert "No tickets match “nothing like this”" in response.content.decode()


def test_it_ignores_nonsense_in_the_filters(as_alice, queues, alice, bob):
    make_tickets(queues, alice, bob, 2)
    response = as_alice.get("/tickets/?view=all&queue=abc&status=zzz&source=<script>&page=999&q=" + "x" * 500)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split('<main id="main"')[1].split("</form>")[0]


def test_it_lists_with_a_fixed_number_of_queries(as_alice, queues, alice, bob, django_assert_max_num_queries):
    make_tickets(queues, alice, bob, 3)
    as_alice.get("/tickets/?view=all")  # Warm the session.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        as_alice.get("/tickets/?view=all")
    make_tickets(queues, alice, bob, 30)
    with django_assert_max_num_queries(len(few)):
        response = as_alice.get("/tickets/?view=all")
    assert len(rows(response)) == 35


def test_it_gives_the_dashboard_its_counts(as_alice, queues, alice, bob):
    make_tickets(queues, alice, bob, 6)
    assert as_alice.get("/tickets/counts").json() == {"mine": 2, "unassigned": 2}


# --- Answers > Create ------------------------------------------------------------------------


def test_it_offers_access_services_by_default(as_alice, queues):
    html = as_alice.get("/tickets/new/").content.decode()
    assert f'<option value="{queues["access"].pk}" selected>Access Services</option>' in html
    assert "Create Ticket" in html


def test_it_creates_a_phone_ticket_and_opens_it(as_alice, queues, alice, bob):
    response = as_alice.post(
        "/tickets/new/",
        {
            "name": "Pat Patron",
            "email": "pat@example.org",
            "phone": "(617) 555-0100",
            "source": "phone",
            "question": "Can I renew my laptop loan?",
            "queue": queues["access"].pk,
            "assignee": bob.pk,
            "note": "Called at 2pm.",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}/"
    assert (ticket.source, ticket.assignee, ticket.patron_phone) == ("phone", bob, "(617) 555-0100")
    assert not OutgoingEmail.objects.exists()
    page = as_alice.get(response["Location"]).content.decode()
    assert f"Ticket #{ticket.number} created." in page and "Called at 2pm." in page


def test_it_shows_form_errors_for_bad_input(as_alice, queues):
    response = as_alice.post(
        "/tickets/new/",
        {
            "name": "Pat",
            "email": "pat@example.org\r\nBcc: x@example.org",
            "phone": "call me <b>",
            "source": "fax",
            "question": "",
            "queue": 999999,
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"email", "phone", "source", "question", "queue"}
    assert "Enter a valid email address." in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_turns_a_service_refusal_into_a_form_error(as_alice, departments):
    # No queue exists yet: the form cannot even offer one, and nothing breaks.
    response = as_alice.post("/tickets/new/", {"email": "pat@example.org", "question": "Q", "source": "phone"})
    assert response.status_code == 400 and "queue" in response.context["form"].errors


# --- Create Ticket from a chat ----------------------------------------------------------------


def test_it_prefills_the_chat_form_and_shows_the_transcript(as_alice, active_chat, queues):
    chat_services.send_message(chat=active_chat, body="I need this for Friday.", sender="patron")
    html = as_alice.get(f"/tickets/new/?chat={active_chat.pk}").content.decode()
    assert "Create a ticket from this chat" in html
    assert 'value="pat@example.org"' in html and 'value="Pat Patron"' in html
    assert "I need this for Friday." in html and active_chat.question in html


def test_it_creates_the_ticket_from_the_chat(as_alice, active_chat, queues, bob):
    response = as_alice.post(
        "/tickets/new/",
        {
            "chat": str(active_chat.pk),
            "queue": queues["research"].pk,
            "assignee": bob.pk,
            "note": "Subject specialist",
            "name": "Pat Patron",
            "email": "pat@example.org",
            "question": active_chat.question,
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.chat == active_chat and ticket.assignee == bob
    assert Message.objects.filter(chat=active_chat, body__contains=f"#{ticket.number}").exists()
    page = as_alice.get(response["Location"]).content.decode()
    assert "Chat transcript" in page and "Subject specialist" in page
    # Pressing Create Ticket again: the page says which ticket the chat became.
    again = as_alice.post(
        "/tickets/new/",
        {
            "chat": str(active_chat.pk),
            "queue": queues["research"].pk,
            "email": "pat@example.org",
            "question": "Q",
        },
    )
    assert again.status_code == 409 and f"already became ticket #{ticket.number}" in again.content.decode()


def test_it_requires_an_email_when_the_chat_has_none(as_alice, active_chat, queues):
    active_chat.patron_email = ""
    active_chat.save()
    response = as_alice.post(
        "/tickets/new/", {"chat": str(active_chat.pk), "queue": queues["access"].pk, "question": "Q"}
    )
    assert response.status_code == 400 and "email" in response.context["form"].errors


def test_it_refuses_a_chat_of_another_department_or_a_bad_id(client, carmen, active_chat, queues):
    client.force_login(carmen)
    assert client.get(f"/tickets/new/?chat={active_chat.pk}").status_code == 403
    assert client.get("/tickets/new/?chat=not-a-uuid").status_code == 404
    assert client.get("/tickets/new/?chat=00000000-0000-0000-0000-000000000000").status_code == 404


# --- The ticket page -------------------------------------------------------------------------


def test_it_shows_the_conversation_with_notes_set_apart(as_alice, phone_ticket, alice, bob):
    services.add_internal_note(ticket=phone_ticket, operator=bob, body="Maps room key is at the desk.")
    services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="Second floor, by the <atlases>.")
    services.add_email_to_ticket(
        ticket=phone_ticket,
        kind="patron",
        from_name="Pat",
        from_email="pat@example.org",
        body="Thanks!",
        quoted="> Second floor",
    )
    html = as_alice.get(detail_url(phone_ticket)).content.decode()
    assert f"#{phone_ticket.number}" in html
    assert 'class="tk-entry tk-entry-note"' in html and "Internal note by Bob" in html
    assert 'class="tk-entry tk-entry-reply"' in html and "Second floor, by the &lt;atlases&gt;." in html
    assert 'class="tk-entry tk-entry-patron"' in html and "Show quoted text" in html
    for name in [
        'role="tab" id="tab-reply"',
        ">Internal note</button>",
        ">Assign/Transfer</button>",
        ">Submit as Closed</button>",
    ]:
        assert name in html


def test_it_replies_and_closes_from_the_page(as_alice, phone_ticket):
    response = as_alice.post(detail_url(phone_ticket, "reply"), {"body": "Here you go.", "version": 1})
    assert response.status_code == 302
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "pending"
    as_alice.post(detail_url(phone_ticket, "reply"), {"body": "Closing.", "version": 2, "close": "1"})
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "closed" and OutgoingEmail.objects.filter(kind="reply").count() == 2


def test_it_keeps_the_text_and_explains_when_someone_else_changed_the_ticket(as_alice, phone_ticket, bob):
    services.take_ticket(ticket=phone_ticket, operator=bob)
    response = as_alice.post(detail_url(phone_ticket, "reply"), {"body": "My careful answer.", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Bob changed the assignee to Bob while you were working on it" in html
    assert "My careful answer.</textarea>" in html
    assert 'name="version" value="2"' in html  # Sending again, after reading, goes through.
    assert as_alice.post(detail_url(phone_ticket, "reply"), {"body": "Again", "version": 2}).status_code == 302


def test_it_shows_errors_for_an_empty_reply_or_a_bad_version(as_alice, phone_ticket):
    response = as_alice.post(detail_url(phone_ticket, "reply"), {"body": "  ", "version": "x"})
    assert response.status_code == 400
    assert set(response.context["reply_form"].errors) == {"body", "version"}
    assert 'data-active="reply"' in response.content.decode()


def test_it_adds_a_note_assigns_and_refers_from_the_page(as_alice, phone_ticket, carmen, its, queues):
    assert as_alice.post(detail_url(phone_ticket, "note"), {"body": "Called back."}).status_code == 302
    response = as_alice.post(
        detail_url(phone_ticket, "transfer"),
        {
            "version": 2,
            "queue": queues["ideas"].pk,
            "assignee": carmen.pk,
            "team": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    phone_ticket.refresh_from_db()
    assert (phone_ticket.queue, phone_ticket.assignee) == (queues["ideas"], carmen)
    response = as_alice.post(
        detail_url(phone_ticket, "transfer"),
        {
            "version": 3,
            "queue": queues["ideas"].pk,
            "assignee": carmen.pk,
            "team": its.pk,
            "note": "Laptop",
            "close": "on",
        },
    )
    phone_ticket.refresh_from_db()
    assert phone_ticket.external_team == its and phone_ticket.status == "closed"
    page = as_alice.get(detail_url(phone_ticket)).content.decode()
    assert "Referred to ITS" in page and "and closed." in page


def test_it_changes_status_only_along_the_flow(as_alice, phone_ticket):
    assert as_alice.post(detail_url(phone_ticket, "status"), {"status": "closed", "version": 1}).status_code == 302
    response = as_alice.post(detail_url(phone_ticket, "status"), {"status": "pending", "version": 2})
    assert response.status_code == 400 and "closed ticket cannot become pending" in response.content.decode()


def test_it_shows_the_incident_number(as_alice, phone_ticket, its, alice):
    services.transfer_ticket(ticket=phone_ticket, operator=alice, queue=phone_ticket.queue, team=its)
    services.add_email_to_ticket(
        ticket=phone_ticket,
        kind="external",
        from_name="ITS",
        automatic=True,
        from_email="servicenow@its.example.edu",
        body="Incident INC0012345 opened",
        incident_team=its,
    )
    html = as_alice.get(detail_url(phone_ticket)).content.decode()
    assert 'class="tk-incident">INC0012345<' in html and "Automatic reply" in html


# --- Attachments -----------------------------------------------------------------------------


def test_it_serves_attachments_only_to_operators_and_only_as_downloads(as_alice, queues, mail, stranger):
    from tickets.ingest import ingest_email

    ingest_email(mail("attachments_mixed.eml"))
    html_file = TicketAttachment.objects.get(filename="reading-list.html")
    url = reverse("tickets:attachment", kwargs={"attachment_id": html_file.pk})
    response = as_alice.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="reading-list.html"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"<html><body><script>")
    page = as_alice.get(f"/tickets/{html_file.ticket.number}/").content.decode()
    assert "<script>alert" not in page and f'href="{url}" download' in page
    assert as_alice.get(reverse("tickets:attachment", kwargs={"attachment_id": 999999})).status_code == 404
    other = Client()
    assert other.get(url).status_code == 302  # Signed out: to the sign-in page.
    other.force_login(stranger)
    assert other.get(url).status_code == 403
