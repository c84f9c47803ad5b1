"""The two ways mail reaches the desk: POST /tickets/inbound/email and `manage.py ingest_email`."""

import io
import subprocess
import sys

import pytest
from django.core.management import call_command

from tests.live import ROOT, child_environment
from tickets.models import InboundEmail, Ticket, TicketMessage

pytestmark = pytest.mark.django_db
URL = "/tickets/inbound/email"
SECRET = "s3cret-relay-token-for-tests"


def post(client, raw: bytes, secret=SECRET, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    return client.post(URL, data=raw, content_type="message/rfc822", **headers, **extra)


def test_it_opens_a_ticket_from_a_posted_message(client, queues, mail):
    response = post(client, mail("gmail_new_question_qp.eml"))
    ticket = Ticket.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "outcome": "created",
        "ticket": ticket.number,
        "detail": "Opened a new ticket and acknowledged it.",
    }


def test_it_threads_a_posted_reply(client, phone_ticket, mail):
    response = post(client, mail("windows1252_reply.eml", phone_ticket))
    assert response.status_code == 200 and response.json()["outcome"] == "threaded"
    assert TicketMessage.objects.filter(ticket=phone_ticket, kind="patron").count() == 1


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
def test_it_refuses_a_missing_or_wrong_secret(client, queues, mail, secret):
    response = post(client, mail("gmail_new_question_qp.eml"), secret=secret)
    assert response.status_code == 403 and response.json() == {"error": "A valid shared secret is required."}
    assert not Ticket.objects.exists()


def test_it_is_closed_until_a_secret_is_configured(client, queues, mail, settings):
    settings.DESK_INBOUND_EMAIL_SECRET = ""
    response = post(client, mail("gmail_new_question_qp.eml"), secret="")
    assert response.status_code == 503 and "DESK_INBOUND_EMAIL_SECRET" in response.json()["error"]


def test_it_refuses_messages_over_the_limit_without_reading_them(client, queues, settings):
    settings.DESK_INBOUND_EMAIL_MAX_BYTES = 5000
    raw = b"From: pat@example.org\r\nTo: desk@library.example.edu\r\nSubject: big\r\n\r\n" + b"A" * 6000
    response = post(client, raw)
    assert response.status_code == 413 and "larger than 5,000 bytes" in response.json()["error"]
    assert not Ticket.objects.exists()


def test_it_takes_messages_bigger_than_the_form_upload_limit(client, queues, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    raw = b"From: pat@example.org\r\nTo: desk@library.example.edu\r\nSubject: long\r\n\r\n" + b"words " * 1000
    assert post(client, raw).status_code == 201


def test_it_answers_400_for_what_is_not_email(client, queues):
    response = post(client, b"\x00\x01\x02 definitely not RFC 822")
    assert response.status_code == 400 and response.json()["error"] == "The message has no headers."


def test_it_only_takes_posts(client, queues):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}").status_code == 405


# --- The command ------------------------------------------------------------------------------


def test_it_files_a_message_read_from_stdin(queues, mail):
    out = io.StringIO()
    call_command("ingest_email", stdin=io.BytesIO(mail("iso2022jp_question.eml")), stdout=out)
    ticket = Ticket.objects.get()
    assert out.getvalue().strip() == f"created #{ticket.number}: Opened a new ticket and acknowledged it."


def test_it_exits_65_so_that_the_mta_bounces_what_it_refuses(queues):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest_email", stdin=io.BytesIO(b""), stderr=err)
    assert exit_.value.code == 65 and "rejected: The message is empty." in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_works_as_an_mta_pipes_it(departments, mail, tmp_path):
    from tickets.models import Queue

    Queue.objects.create(name="Access Services", slug="access-services", is_default=True)
    env = child_environment(PRIVATE_STORAGE_ROOT=str(tmp_path), CELERY_TASK_ALWAYS_EAGER="false")
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=mail("attachments_mixed.eml"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    ticket = Ticket.objects.get()
    assert done.stdout.decode().startswith(f"created #{ticket.number}")
    assert ticket.attachments.count() == 2 and (tmp_path / "tickets").is_dir()
    again = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=mail("attachments_mixed.eml"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert again.returncode == 0 and again.stdout.decode().startswith("duplicate")
    assert InboundEmail.objects.filter(outcome="duplicate").count() == 1
