"""Email Transcript end to end: the real ASGI server, a real Celery worker on Redis, a real SMTP server."""

import json
import time
import urllib.request

import pytest

from chat import services
from chat.models import Message, TranscriptEmail
from conftest import bring_online
from tests.live import Mailbox

pytestmark = [pytest.mark.integration]


def post_json(url, payload, token=None, origin=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if origin:
        headers["Origin"] = origin
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def wait_until(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def start_and_answer(url, alice, departments):
    bring_online(alice)
    status, started = post_json(
        f"{url}/api/widget/v1/chats",
        {
            "department": "research",
            "question": "Do you have The Left Hand of Darkness?",
            "name": "Pat",
            "email": "pat@example.org",
        },
        origin=url,
    )
    assert status == 201
    chat = services.claim_chat(chat_id=started["id"], operator=alice)
    services.send_message(
        chat=chat, body="Yes, it is on the 3rd floor at PS3562.E42.", sender="operator", operator=alice
    )
    return chat, started


def test_it_emails_the_transcript_through_the_worker_once(live_stack, alice, departments):
    url, mailbox = live_stack["url"], live_stack["mailbox"]
    chat, started = start_and_answer(url, alice, departments)

    status, body = post_json(
        f"{url}/api/widget/v1/chats/{started['id']}/transcript", {}, token=started["token"], origin=url
    )
    assert status == 202 and body == {"queued": True}

    messages = mailbox.wait_for(1)
    assert len(messages) == 1
    mail = messages[0]
    assert mail["To"] == "pat@example.org"
    assert "Research & Instruction" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "Do you have The Left Hand of Darkness?" in text
    assert "Alice: Yes, it is on the 3rd floor at PS3562.E42." in text
    assert wait_until(lambda: TranscriptEmail.objects.get(chat=chat).status == TranscriptEmail.Status.SENT)
    # The worker must not send it again (acks late, idempotent task): give it a moment to misbehave.
    time.sleep(1.5)
    assert len(mailbox.messages) == 1


def test_it_retries_until_the_mail_server_is_back_and_sends_once(transactional_db, alice, departments):
    from tests.live import Server, Worker, child_environment

    mailbox = Mailbox()  # Not started: the SMTP server is down.
    env = child_environment(EMAIL_HOST="127.0.0.1", EMAIL_PORT=mailbox.port, CELERY_TASK_ALWAYS_EAGER="false")
    worker, server = Worker(env, name="worker-smtp-down"), None
    try:
        server = Server(env, name="server-smtp-down")
        chat, started = start_and_answer(server.url, alice, departments)
        post_json(
            f"{server.url}/api/widget/v1/chats/{started['id']}/transcript",
            {},
            token=started["token"],
            origin=server.url,
        )

        assert wait_until(lambda: TranscriptEmail.objects.get(chat=chat).attempts >= 1)
        transcript = TranscriptEmail.objects.get(chat=chat)
        assert transcript.status == TranscriptEmail.Status.PENDING
        assert "Connection refused" in transcript.last_error or "Errno" in transcript.last_error

        mailbox.start()  # The mail server comes back; the retry (2 s backoff) delivers.
        messages = mailbox.wait_for(1, timeout=30)
        assert len(messages) == 1
        assert wait_until(lambda: TranscriptEmail.objects.get(chat=chat).status == TranscriptEmail.Status.SENT)
        time.sleep(1.5)
        assert len(mailbox.messages) == 1
        assert Message.objects.filter(chat=chat, sender="operator").count() == 1
    finally:
        if server:
            server.stop()
        worker.stop()
        mailbox.stop()


def test_the_sweep_sends_a_transcript_whose_task_was_lost_once(transactional_db, mailbox, alice, departments):
    """The request was saved but its task never reached the broker (Redis was down, or lost it):
    the outbox sweep, run by the worker as Celery beat would, queues it and it is sent once."""
    from datetime import timedelta

    from django.utils import timezone

    from chat.transcripts import transcript_message_id
    from deskservice.tasks import sweep_outbox
    from tests.live import Worker, child_environment

    bring_online(alice)
    chat, _ = services.start_chat(
        department=departments["research"], question="Is Kindred in?", email="pat@example.org"
    )
    chat = services.claim_chat(chat_id=chat.pk, operator=alice)
    services.send_message(chat=chat, body="Yes, PS3553.U88.", sender="operator", operator=alice)
    # What request_transcript leaves behind when the task is lost: a pending row, nothing queued.
    lost = TranscriptEmail.objects.create(
        chat=chat,
        to_email="pat@example.org",
        requested_by="patron",
        next_attempt_at=timezone.now() - timedelta(minutes=20),
    )
    env = child_environment(EMAIL_HOST="127.0.0.1", EMAIL_PORT=mailbox.port, CELERY_TASK_ALWAYS_EAGER="false")
    worker = Worker(env, name="worker-sweep")
    try:
        sweep_outbox.delay()
        messages = mailbox.wait_for(1)
        assert len(messages) == 1
        assert messages[0]["To"] == "pat@example.org"
        assert messages[0]["Message-ID"].strip() == transcript_message_id(lost)
        assert "Alice: Yes, PS3553.U88." in messages[0].get_body(("plain",)).get_content()
        assert wait_until(lambda: TranscriptEmail.objects.get(pk=lost.pk).status == TranscriptEmail.Status.SENT)

        # Later sweeps, and the task delivered again, leave a sent transcript alone.
        from chat.tasks import send_transcript

        again = [sweep_outbox.delay(), send_transcript.delay(lost.pk)]
        assert wait_until(lambda: all(f"[{task.id}] succeeded" in worker.output() for task in again))
        assert f"chat.tasks.send_transcript[{again[1].id}] succeeded" in worker.output()
        assert "'nothing to do'" in worker.output()
        assert len(mailbox.messages) == 1
        assert TranscriptEmail.objects.get(pk=lost.pk).attempts == 1
    finally:
        worker.stop()
