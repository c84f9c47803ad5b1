"""Outgoing ticket mail: what each email says, its threading headers, and the send task's promises."""

from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest
from django.core import mail as outbox

from tests.live import free_port
from tickets import services
from tickets.models import OutgoingEmail, Ticket
from tickets.tasks import send_ticket_email

pytestmark = pytest.mark.django_db


def send(outgoing) -> object:
    """Run the real task in this process and return the message as the recipient would parse it."""
    assert send_ticket_email.apply(args=[outgoing.pk]).get() == "sent"
    sent = outbox.outbox[-1]
    return message_from_bytes(sent.message().as_bytes(), policy=policy.default), sent


def test_it_acknowledges_with_the_ticket_number_and_its_reply_address(queues):
    ticket = services.create_ticket(
        question="Are you open on Sunday?", email="pat@example.org", name="Pat", source=Ticket.Source.WIDGET
    )
    message, sent = send(OutgoingEmail.objects.get(ticket=ticket))
    assert message["To"] == "Pat <pat@example.org>"
    assert message["From"] == "Library Ask Desk <desk@library.example.edu>"
    assert message["Subject"] == f"[#{ticket.number}] Are you open on Sunday?"
    assert message["Reply-To"] == f"desk+t{ticket.reply_token}@library.example.edu"
    # Bounces and RFC 3834 autoresponders answer the envelope sender: it names the ticket too.
    assert sent.from_email == f"desk+t{ticket.reply_token}@library.example.edu"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].strip() == OutgoingEmail.objects.get(ticket=ticket).message_id
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"opened ticket #{ticket.number}" in text and "Are you open on Sunday?" in text
    assert f"<strong>#{ticket.number}</strong>" in html


def test_it_threads_a_reply_under_the_patrons_email(phone_ticket, alice):
    services.add_email_to_ticket(
        ticket=phone_ticket,
        kind="patron",
        from_name="Pat",
        from_email="pat@example.org",
        body="Also: color printing?",
        message_id="<patron-1@example.org>",
    )
    reply = services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="Yes, 25 cents a page.\nSee you!")
    message, _ = send(OutgoingEmail.objects.get(ticket_message=reply))
    assert (
        message["Subject"]
        == f"Re: [#{phone_ticket.number}] Where are the microfilm readers, and can I print from them?"
    )
    assert message["In-Reply-To"] == "<patron-1@example.org>"
    assert message["References"] == "<patron-1@example.org>"
    assert message["Message-ID"].strip() == reply.message_id
    text = message.get_body(("plain",)).get_content()
    assert "Yes, 25 cents a page.\nSee you!" in text and "Alice, Research & Instruction" in text
    assert "Auto-Submitted" not in message


def test_it_escapes_what_people_wrote_in_the_html_part(phone_ticket, alice):
    reply = services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="<script>alert(1)</script> & co")
    message, _ = send(OutgoingEmail.objects.get(ticket_message=reply))
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_it_refers_the_question_transcript_and_note_to_the_team(active_chat, alice, queues, its):
    from chat import services as chat_services

    chat_services.send_message(chat=active_chat, body="My ITS loaner laptop won't charge.", sender="patron")
    ticket = services.create_ticket_from_chat(
        chat=active_chat, operator=alice, queue=queues["access"], email="pat@example.org", phone="617-555-0100"
    )
    services.transfer_ticket(
        ticket=ticket, operator=alice, queue=ticket.queue, team=its, note="Asset tag LIB-0042, checked out Nov 3."
    )
    message, _ = send(OutgoingEmail.objects.get(ticket=ticket, kind="referral"))
    assert message["To"] == "ITS <itshelp@its.example.edu>"
    assert message["Subject"] == f"[#{ticket.number}] {ticket.subject}"
    assert message["Reply-To"] == f"desk+t{ticket.reply_token}@library.example.edu"
    text = message.get_body(("plain",)).get_content()
    assert "Asset tag LIB-0042, checked out Nov 3." in text
    assert "Patron: Pat Patron <pat@example.org>, 617-555-0100" in text
    assert active_chat.question in text
    assert "Pat Patron: My ITS loaner laptop won't charge." in text


def test_it_keeps_line_breaks_out_of_headers(queues):
    ticket = services.create_ticket(
        question="Hi",
        email="pat@example.org",
        name="Pat\r\nBcc: all@example.org",
        subject="Hello\nBcc: all@example.org",
        source=Ticket.Source.WIDGET,
    )
    # Even a row written around the services (admin, a shell) cannot inject a header.
    Ticket.objects.filter(pk=ticket.pk).update(patron_name="Eve\r\nBcc: x@example.org", subject="S\r\nBcc: y@x.org")
    message, sent = send(OutgoingEmail.objects.get(ticket=ticket))
    assert message["Bcc"] is None and sent.bcc == []
    assert message["To"] == '"Eve Bcc: x@example.org" <pat@example.org>'
    assert message["Subject"] == f"[#{ticket.number}] S Bcc: y@x.org"
    assert [parseaddr(r)[1] for r in sent.recipients()] == ["pat@example.org"]


def test_it_sends_once_however_often_the_task_runs(phone_ticket, alice):
    reply = services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="Once.")
    outgoing = OutgoingEmail.objects.get(ticket_message=reply)
    assert send_ticket_email.apply(args=[outgoing.pk]).get() == "sent"
    assert send_ticket_email.apply(args=[outgoing.pk]).get() == "nothing to do"
    assert send_ticket_email.apply(args=[999999]).get() == "nothing to do"
    assert len(outbox.outbox) == 1
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("sent", 1) and outgoing.sent_at


def test_it_retries_while_smtp_is_down_and_gives_up_after_the_limit(phone_ticket, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.DESK_TICKET_MAIL_MAX_RETRIES = 2
    reply = services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="Nobody is listening.")
    outgoing = OutgoingEmail.objects.get(ticket_message=reply)
    # Run in this process, Celery performs the retry at once instead of after the countdown.
    assert send_ticket_email.apply(args=[outgoing.pk]).get() == "failed"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("failed", 2)
    assert "Connection refused" in outgoing.last_error or "Errno" in outgoing.last_error
    assert outbox.outbox == []


def test_it_acknowledges_the_widget_form(client, queues, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            "/api/widget/v1/tickets",
            {"question": "Do you have the 1987 council minutes?", "email": "pat@example.org", "name": "Pat"},
            content_type="application/json",
        )
    assert response.status_code == 201 and len(queued) >= 1
    ticket = Ticket.objects.get(pk=Ticket.pk_from_number(response.json()["number"]))
    message, _ = send(OutgoingEmail.objects.get(ticket=ticket, kind="acknowledgement"))
    assert message["Subject"] == f"[#{ticket.number}] Do you have the 1987 council minutes?"
