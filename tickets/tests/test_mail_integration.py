"""Ticket mail end to end: a real Celery worker on Redis, a real SMTP server, and replies piped
into `manage.py ingest_email` as an MTA would."""

import subprocess
import sys
import time
from email.message import EmailMessage

import pytest

from tests.live import ROOT, Mailbox, Worker, child_environment
from tickets import services
from tickets.models import OutgoingEmail, Ticket, TicketMessage
from tickets.tests.conftest import load_mail

pytestmark = [pytest.mark.integration]


def wait_until(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def mail_stack(transactional_db, tmp_path):
    mailbox = Mailbox().start()
    env = child_environment(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=mailbox.port,
        CELERY_TASK_ALWAYS_EAGER="false",
        PRIVATE_STORAGE_ROOT=str(tmp_path),
    )
    worker = Worker(env, name="worker-tickets")
    yield {"mailbox": mailbox, "env": env}
    worker.stop()
    mailbox.stop()


def pipe_to_desk(env, raw: bytes) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"], input=raw, cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def reply_to(mail, *, sender: str, body: str) -> bytes:
    """What the patron's mail program sends when they press Reply."""
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = mail["Reply-To"]
    reply["Subject"] = "Re: " + mail["Subject"]
    reply["Message-ID"] = "<reply-1.8812@example.org>"
    reply["In-Reply-To"] = mail["Message-ID"].strip()
    reply.set_content(body)
    return reply.as_bytes()


def test_it_acknowledges_threads_replies_refers_and_sends_each_mail_once(mail_stack, queues, alice, its):
    mailbox, env = mail_stack["mailbox"], mail_stack["env"]
    ticket = services.create_ticket(
        question="Is the loaner laptop charger at the desk?",
        email="pat@example.org",
        name="Pat",
        source=Ticket.Source.WIDGET,
    )

    # 1. The acknowledgement, through the worker, HTML and text.
    ack = mailbox.wait_for(1)[0]
    assert ack["To"] == "Pat <pat@example.org>" and ack["Subject"] == f"[#{ticket.number}] {ticket.subject}"
    assert ack["Auto-Submitted"] == "auto-generated"
    assert ack.get_body(("html",)) is not None and "opened ticket" in ack.get_body(("plain",)).get_content()

    # 2. The patron answers it; the desk files the reply without acknowledging it again.
    assert pipe_to_desk(
        env, reply_to(ack, sender="Pat <pat@example.org>", body="Also, until when is it open?")
    ).startswith("threaded")
    entry = TicketMessage.objects.get(ticket=ticket, kind="patron")
    assert entry.body == "Also, until when is it open?"

    # 3. Alice replies: threaded under the patron's mail.
    services.reply_to_ticket(ticket=ticket, operator=alice, body="Yes, and we are open until 10pm.")
    reply = mailbox.wait_for(2)[1]
    assert reply["Subject"] == f"Re: [#{ticket.number}] {ticket.subject}"
    assert reply["In-Reply-To"] == "<reply-1.8812@example.org>"
    assert "open until 10pm" in reply.get_body(("plain",)).get_content()

    # 4. Referred to ITS and closed; their automatic receipt threads in with its incident number.
    services.transfer_ticket(
        ticket=ticket, operator=alice, queue=ticket.queue, team=its, note="Charger missing.", close=True
    )
    referral = mailbox.wait_for(3)[2]
    assert referral["To"] == "ITS <itshelp@its.example.edu>"
    assert "Charger missing." in referral.get_body(("plain",)).get_content()
    assert pipe_to_desk(env, load_mail("its_servicenow_autoreply.eml", ticket)).startswith("threaded")
    ticket.refresh_from_db()
    assert (ticket.incident_number, ticket.status) == ("INC0012345", "closed")

    # Sent once each: give the worker time to misbehave, then count.
    assert wait_until(lambda: not OutgoingEmail.objects.exclude(status="sent").exists())
    time.sleep(1.5)
    assert len(mailbox.messages) == 3
    assert sorted(OutgoingEmail.objects.values_list("kind", flat=True)) == ["acknowledgement", "referral", "reply"]


def test_it_retries_a_reply_until_the_mail_server_is_back_and_sends_it_once(transactional_db, queues, alice, tmp_path):
    mailbox = Mailbox()  # Not started: the SMTP server is down.
    env = child_environment(EMAIL_HOST="127.0.0.1", EMAIL_PORT=mailbox.port, CELERY_TASK_ALWAYS_EAGER="false")
    worker = Worker(env, name="worker-tickets-smtp-down")
    try:
        ticket = services.create_ticket(question="Microfilm?", email="pat@example.org", source="phone")
        services.reply_to_ticket(ticket=ticket, operator=alice, body="Second floor.")
        outgoing = OutgoingEmail.objects.get(ticket=ticket)
        assert wait_until(lambda: OutgoingEmail.objects.get(pk=outgoing.pk).attempts >= 1)
        outgoing.refresh_from_db()
        assert outgoing.status == "pending" and (
            "Connection refused" in outgoing.last_error or "Errno" in outgoing.last_error
        )
        mailbox.start()  # Back: the retry (2 s, then 4 s backoff) delivers.
        assert len(mailbox.wait_for(1, timeout=30)) == 1
        assert wait_until(lambda: OutgoingEmail.objects.get(pk=outgoing.pk).status == "sent")
        time.sleep(1.5)
        assert len(mailbox.messages) == 1
    finally:
        worker.stop()
        mailbox.stop()


def test_a_reply_written_while_the_broker_is_down_is_saved_and_the_sweep_sends_it_once(
    transactional_db, client, queues, alice, broker_down
):
    from datetime import timedelta

    from django.utils import timezone

    from deskservice import outbox

    ticket = services.create_ticket(question="Microfilm?", email="pat@example.org", source="phone")
    client.force_login(alice)
    response = client.post(f"/tickets/{ticket.number}/reply", {"body": "Second floor.", "version": 1}, follow=True)
    # No 500: the reply is saved, and the operator learns that the email goes out later.
    assert response.status_code == 200
    assert services.MAIL_WAITING in response.content.decode()
    reply = TicketMessage.objects.get(ticket=ticket, kind="reply")
    assert reply.body == "Second floor."
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"
    outgoing = OutgoingEmail.objects.get(ticket_message=reply)
    assert outgoing.status == "pending" and outgoing.last_error.startswith(outbox.NOT_QUEUED)
    assert "Sending…" in response.content.decode()

    # The broker is back; the sweep's next run finds the email overdue and queues it.
    broker_down()
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=20))
    mailbox = Mailbox().start()
    env = child_environment(EMAIL_HOST="127.0.0.1", EMAIL_PORT=mailbox.port, CELERY_TASK_ALWAYS_EAGER="false")
    worker = Worker(env, name="worker-tickets-broker-down")
    try:
        assert outbox.sweep()["ticket_emails"] == {"requeued": 1, "failed": 0}
        messages = mailbox.wait_for(1)
        assert len(messages) == 1 and messages[0]["Message-ID"].strip() == reply.message_id
        assert wait_until(lambda: OutgoingEmail.objects.get(pk=outgoing.pk).status == "sent")
        assert outbox.sweep(now=timezone.now() + timedelta(hours=1))["ticket_emails"] == {"requeued": 0, "failed": 0}
        assert len(mailbox.messages) == 1
        assert OutgoingEmail.objects.get(pk=outgoing.pk).last_error == ""
    finally:
        worker.stop()
        mailbox.stop()
