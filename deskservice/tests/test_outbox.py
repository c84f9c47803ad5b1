"""The outbox: the retry schedule of mail and texts, the sweep that queues lost ones again, and
Send again for supervisors (deskservice/outbox.py)."""

import json
from datetime import timedelta

import pytest
import redis
from celery.exceptions import Retry
from django.conf import settings
from django.utils import timezone

from chat import services as chat_services
from chat.models import TranscriptEmail
from chat.sms.base import InboundText
from chat.sms.models import OutgoingSms
from chat.sms.services import receive_text
from chat.tasks import send_transcript
from conftest import bring_online
from deskservice import outbox
from tests.live import free_port
from tickets import services as ticket_services
from tickets.models import OutgoingEmail, Queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    """The Celery broker's Redis, emptied of the tasks a test queued (no worker takes them here)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery")
    yield client
    client.delete("celery")


def queued(broker) -> list[tuple[str, str]]:
    tasks = [json.loads(raw)["headers"] for raw in broker.lrange("celery", 0, -1)]
    return sorted((t["task"], t["argsrepr"]) for t in tasks)


@pytest.fixture
def answered_chat(departments, alice):
    bring_online(alice)
    chat, _ = chat_services.start_chat(department=departments["research"], question="Is Dune in?", name="Pat")
    return chat_services.claim_chat(chat_id=chat.pk, operator=alice)


def transcript_row(chat, **fields) -> TranscriptEmail:
    """A transcript request whose task is not in the queue: lost, as when the broker was down."""
    return TranscriptEmail.objects.create(chat=chat, to_email="pat@example.org", requested_by="patron", **fields)


# --- The retry schedule ---------------------------------------------------------------------


def test_it_doubles_the_wait_up_to_ten_minutes_and_keeps_trying_for_hours():
    waits = outbox.retry_schedule(settings.DESK_TRANSCRIPT_MAX_RETRIES)
    assert waits[:10] == [2, 4, 8, 16, 32, 64, 128, 256, 512, 600]
    assert set(waits[9:]) == {600}
    assert len(waits) == 39  # 40 attempts
    assert sum(waits) == 19_022  # 5 h 17 min before a transcript is marked failed
    assert outbox.retry_schedule(settings.DESK_TICKET_MAIL_MAX_RETRIES) == waits
    assert sum(outbox.retry_schedule(settings.DESK_SMS_MAX_RETRIES)) == 7_022  # texts: 1 h 57 min
    assert outbox.retry_countdown(10_000) == 600  # no overflow far down the schedule


def test_it_follows_the_settings(settings):
    settings.DESK_OUTBOX_RETRY_FIRST_SECONDS, settings.DESK_OUTBOX_RETRY_MAX_SECONDS = 30, 3600
    assert outbox.retry_schedule(9) == [30, 60, 120, 240, 480, 960, 1920, 3600]


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2


def test_late_in_the_schedule_the_task_waits_ten_minutes_and_says_when_it_tries_next(answered_chat, smtp_down, caplog):
    transcript = transcript_row(answered_chat, attempts=11)
    before = timezone.now()
    with pytest.raises(Retry):
        send_transcript(transcript.id)
    assert f"transcript {transcript.id}: SMTP failed, retrying in 600s" in caplog.messages
    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts) == ("pending", 12)
    assert before + timedelta(seconds=600) <= transcript.next_attempt_at <= timezone.now() + timedelta(seconds=600)


def test_the_last_attempt_marks_the_transcript_failed(answered_chat, smtp_down):
    transcript = transcript_row(answered_chat, attempts=settings.DESK_TRANSCRIPT_MAX_RETRIES - 1)
    assert send_transcript(transcript.id) == "failed"
    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts) == ("failed", 40)
    # A failed transcript stays failed when its task is delivered again: only Send again revives it.
    assert send_transcript(transcript.id) == "nothing to do"


# --- The sweep ------------------------------------------------------------------------------


def test_the_sweep_queues_again_only_rows_whose_task_was_lost(answered_chat, broker, queues_for_tickets):
    now = timezone.now()
    lost = transcript_row(answered_chat, next_attempt_at=now - timedelta(minutes=16))
    waiting_for_retry = transcript_row(answered_chat, attempts=12, next_attempt_at=now + timedelta(minutes=9))
    just_queued = transcript_row(answered_chat, next_attempt_at=now - timedelta(minutes=2))
    transcript_row(answered_chat, status="sent", next_attempt_at=now - timedelta(hours=2))
    transcript_row(answered_chat, status="failed", next_attempt_at=now - timedelta(hours=2))
    ticket = ticket_services.create_ticket(question="Hours?", email="pat@example.org", source="widget")
    lost_mail = OutgoingEmail.objects.get(ticket=ticket)
    OutgoingEmail.objects.filter(pk=lost_mail.pk).update(next_attempt_at=now - timedelta(hours=1))
    broker.delete("celery")

    assert outbox.sweep(now=now) == {
        "transcripts": {"requeued": 1, "failed": 0},
        "ticket_emails": {"requeued": 1, "failed": 0},
        "sms": {"requeued": 0, "failed": 0},
    }
    assert queued(broker) == [
        ("chat.tasks.send_transcript", f"({lost.pk},)"),
        ("tickets.tasks.send_ticket_email", f"({lost_mail.pk},)"),
    ]
    # Queued again means due now: the next sweep leaves it to its task.
    assert TranscriptEmail.objects.get(pk=lost.pk).next_attempt_at == now
    assert outbox.sweep(now=now + timedelta(minutes=5))["transcripts"] == {"requeued": 0, "failed": 0}
    assert len(queued(broker)) == 2
    assert TranscriptEmail.objects.get(pk=waiting_for_retry.pk).status == "pending"
    assert TranscriptEmail.objects.get(pk=just_queued.pk).status == "pending"


@pytest.fixture
def queues_for_tickets(departments):
    return Queue.objects.create(name="Access Services", slug="access-services", is_default=True)


def test_the_sweep_marks_failed_what_is_too_old_to_send_or_has_no_address_left(answered_chat, broker):
    now = timezone.now()
    stale = transcript_row(
        answered_chat, created_at=now - timedelta(hours=25), next_attempt_at=now - timedelta(hours=25)
    )
    erased = transcript_row(answered_chat, next_attempt_at=now - timedelta(hours=1))
    TranscriptEmail.objects.filter(pk=erased.pk).update(to_email="")
    assert outbox.sweep(now=now)["transcripts"] == {"requeued": 0, "failed": 2}
    assert queued(broker) == []
    stale.refresh_from_db()
    erased.refresh_from_db()
    assert (stale.status, stale.last_error) == ("failed", "Never sent: its task was lost and it is over 24 hours old.")
    assert erased.status == "failed" and "address was erased" in erased.last_error


def test_the_sweep_runs_from_celery_beat():
    from deskservice.celery import app

    app.loader.import_default_modules()  # what a worker does at start: finds every app's tasks.py
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry["task"] == "deskservice.sweep_outbox" and entry["task"] in app.tasks
    assert entry["schedule"] == 300


# --- Send again -----------------------------------------------------------------------------


def failed_transcript(chat) -> TranscriptEmail:
    return transcript_row(chat, status="failed", attempts=40, last_error="ConnectionRefusedError: [Errno 111]")


def test_a_supervisor_sends_a_failed_transcript_again_from_the_admin(
    client, sue, answered_chat, broker, django_capture_on_commit_callbacks
):
    transcript = failed_transcript(answered_chat)
    sent = transcript_row(answered_chat, status="sent")
    client.force_login(sue)
    assert client.get("/admin/chat/transcriptemail/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/chat/transcriptemail/",
            {"action": "send_again_action", "_selected_action": [transcript.pk, sent.pk]},
            follow=True,
        )
    html = page.content.decode()
    assert "Done for 1 of 2" in html
    assert "It is sent, not failed." in html
    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts, transcript.last_error) == ("pending", 0, "")
    assert queued(broker) == [("chat.tasks.send_transcript", f"({transcript.pk},)")]


def test_send_again_is_for_supervisors_only(client, barb, alice, answered_chat, broker):
    transcript = failed_transcript(answered_chat)
    client.force_login(barb)  # a backup supervisor reaches the admin, not the outbox
    response = client.post(
        "/admin/chat/transcriptemail/", {"action": "send_again_action", "_selected_action": [transcript.pk]}
    )
    assert response.status_code == 403
    with pytest.raises(chat_services.NotAllowed):
        chat_services.send_transcript_again(transcript=transcript, supervisor=alice)
    assert TranscriptEmail.objects.get(pk=transcript.pk).status == "failed"
    assert queued(broker) == []


def test_a_supervisor_sends_a_failed_ticket_email_again(
    client, sue, alice, queues_for_tickets, broker, django_capture_on_commit_callbacks
):
    ticket = ticket_services.create_ticket(question="Hours?", email="pat@example.org", source="widget")
    outgoing = OutgoingEmail.objects.get(ticket=ticket)
    OutgoingEmail.objects.filter(pk=outgoing.pk).update(status="failed", attempts=40, last_error="550 no")
    broker.delete("celery")
    with pytest.raises(ticket_services.NotAllowed):
        ticket_services.send_email_again(outgoing=outgoing, supervisor=alice)
    client.force_login(sue)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/tickets/outgoingemail/",
            {"action": "send_again_action", "_selected_action": [outgoing.pk]},
            follow=True,
        )
    assert "Done for 1 of 1" in page.content.decode()
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts, outgoing.last_error) == ("pending", 0, "")
    assert queued(broker) == [("tickets.tasks.send_ticket_email", f"({outgoing.pk},)")]
    with pytest.raises(ticket_services.TicketError, match="It is pending, not failed."):
        ticket_services.send_email_again(outgoing=outgoing, supervisor=sue)


def test_a_supervisor_sends_a_failed_text_again_from_the_admin(
    client, sue, alice, settings, broker, django_capture_on_commit_callbacks
):
    settings.DESK_SMS_DEPARTMENT = "research"
    bring_online(alice)
    chat = receive_text(provider="twilio", text=InboundText(provider_id="SM1", phone="+16175550100", body="Scanner?"))
    chat = chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    chat_services.send_message(chat=chat, body="Floor 2.", sender="operator", operator=alice)
    outgoing = OutgoingSms.objects.get()
    OutgoingSms.objects.filter(pk=outgoing.pk).update(status="failed", attempts=20, last_error="Twilio answered 503")
    broker.delete("celery")
    client.force_login(sue)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/chat/outgoingsms/", {"action": "send_again_action", "_selected_action": [outgoing.pk]}, follow=True
        )
    assert "Done for 1 of 1" in page.content.decode()
    assert OutgoingSms.objects.get(pk=outgoing.pk).status == "pending"
    assert queued(broker) == [("chat.sms.tasks.send_sms", f"({outgoing.pk},)")]
