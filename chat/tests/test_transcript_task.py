"""The transcript task against a real SMTP server (aiosmtpd), and against one that is down."""

import pytest
from celery.exceptions import Retry

from chat import services
from chat.models import Message, TranscriptEmail
from chat.tasks import send_transcript
from tests.live import Mailbox, free_port


@pytest.fixture
def mailbox(settings):
    box = Mailbox().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = box.port
    yield box
    box.stop()


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there


@pytest.fixture
def transcript(active_chat, alice):
    services.send_message(chat=active_chat, body="Is <b>Dune</b> in?", sender=Message.Sender.PATRON)
    services.send_message(
        chat=active_chat,
        body="Yes: <script>alert(1)</script> it is at PS3558.E63 & on loan until Friday.",
        sender=Message.Sender.OPERATOR,
        operator=alice,
    )
    return services.request_transcript(chat=active_chat, email="pat@example.org", requested_by="patron")


def test_it_sends_the_transcript_once(transcript, mailbox):
    result = send_transcript.apply(args=[transcript.id])
    assert result.get() == "sent"

    messages = mailbox.wait_for(1, timeout=5)
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "pat@example.org"
    assert mail["Subject"].startswith("Your chat with Research & Instruction on ")
    text = mail.get_body(("plain",)).get_content()
    assert "Your question: Where can I find peer-reviewed articles on climate policy?" in text
    assert "* Alice has joined the chat." in text
    assert "Pat Patron: Is <b>Dune</b> in?" in text
    assert "Alice: Yes: <script>alert(1)</script> it is at PS3558.E63 & on loan until Friday." in text

    html = mail.get_body(("html",)).get_content()
    assert "Is &lt;b&gt;Dune&lt;/b&gt; in?" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html and "<b>Dune" not in html
    assert "PS3558.E63 &amp; on loan" in html

    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts, transcript.last_error) == ("sent", 1, "")
    assert transcript.sent_at is not None

    assert send_transcript.apply(args=[transcript.id]).get() == "nothing to do"
    assert mailbox.wait_for(2, timeout=0.5) == messages
    transcript.refresh_from_db()
    assert transcript.attempts == 1


def test_it_does_nothing_for_a_transcript_that_no_longer_exists(db, mailbox):
    assert send_transcript.apply(args=[123456]).get() == "nothing to do"
    assert mailbox.messages == []


def test_it_counts_the_attempt_and_asks_for_a_retry_while_smtp_is_down(transcript, smtp_down, caplog):
    # Called directly, the task raises Retry instead of queueing it (apply() would run every retry at once).
    with pytest.raises(Retry):
        send_transcript(transcript.id)
    assert f"transcript {transcript.id}: SMTP failed, retrying in 2s" in caplog.messages

    transcript.refresh_from_db()
    assert transcript.status == TranscriptEmail.Status.PENDING
    assert transcript.attempts == 1
    assert transcript.last_error.startswith("ConnectionRefusedError")

    with pytest.raises(Retry):
        send_transcript(transcript.id)
    assert f"transcript {transcript.id}: SMTP failed, retrying in 4s" in caplog.messages
    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts) == (TranscriptEmail.Status.PENDING, 2)


def test_it_gives_up_after_the_last_retry(transcript, smtp_down, settings):
    settings.DESK_TRANSCRIPT_MAX_RETRIES = 3
    # apply() runs the retries eagerly, one after the other, until the task gives up.
    result = send_transcript.apply(args=[transcript.id])
    assert result.get() == "failed"
    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts) == (TranscriptEmail.Status.FAILED, 3)
    assert transcript.last_error.startswith("ConnectionRefusedError")
    assert transcript.sent_at is None


def test_it_sends_once_the_mail_server_is_back(transcript, smtp_down, settings):
    with pytest.raises(Retry):
        send_transcript(transcript.id)
    box = Mailbox().start()
    try:
        settings.EMAIL_PORT = box.port
        assert send_transcript.apply(args=[transcript.id]).get() == "sent"
        assert len(box.wait_for(1, timeout=5)) == 1
    finally:
        box.stop()
    transcript.refresh_from_db()
    assert (transcript.status, transcript.attempts, transcript.last_error) == ("sent", 2, "")


def test_every_send_of_a_transcript_carries_the_same_message_id(transcript, mailbox):
    from chat.transcripts import transcript_message_id

    assert send_transcript.apply(args=[transcript.id]).get() == "sent"
    # A worker killed after the server's 250 but before recording "sent" sends it again when
    # the task is redelivered: the row still says pending.
    TranscriptEmail.objects.filter(pk=transcript.pk).update(status=TranscriptEmail.Status.PENDING)
    assert send_transcript.apply(args=[transcript.id]).get() == "sent"
    first, second = mailbox.wait_for(2, timeout=5)
    expected = f"<transcript-{transcript.pk}.{transcript.chat_id.hex}@library.example.edu>"
    assert transcript_message_id(transcript) == expected
    assert first["Message-ID"].strip() == second["Message-ID"].strip() == expected
    other = services.request_transcript(chat=transcript.chat, email="pat@example.org", requested_by="patron")
    assert transcript_message_id(other) != expected
