"""SMS chats: the Twilio webhook, its signature, redeliveries, and replies going out once."""

import logging
import threading

import pytest

from chat import services
from chat.models import Chat, Message
from chat.sms.models import IncomingSms, OutgoingSms, SmsConversation
from chat.sms.segments import segment_count, sms_length
from chat.sms.tasks import send_sms
from chat.sms.twilio import compute_signature, signature_is_valid

TOKEN = "twilio-test-auth-token"
WEBHOOK = "/sms/twilio/inbound"
URL = "http://testserver" + WEBHOOK


@pytest.fixture
def twilio(settings):
    settings.DESK_SMS_PROVIDER = "twilio"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
    settings.DESK_SMS_FROM_NUMBER = "+16179347876"
    settings.DESK_SMS_DEPARTMENT = "research"
    return settings


def text(client, *, sid, phone="+16175550100", body="Are you open today?", signature=None, **extra):
    form = {"MessageSid": sid, "From": phone, "To": "+16179347876", "Body": body, **extra}
    if signature is None:
        signature = compute_signature(TOKEN, URL, {k: [v] for k, v in form.items()})
    return client.post(WEBHOOK, form, headers={"X-Twilio-Signature": signature})


# --- Signatures -----------------------------------------------------------------------------


# Twilio's documented example (webhooks-security): auth token 12345, this URL and these params.
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"


def twilio_params(number):
    return {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": [number],
        "Digits": ["1234"],
        "From": [number],
        "To": ["+18005551212"],
    }


@pytest.mark.parametrize(
    "number,expected",
    [
        ("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="),  # Twilio's security docs
        ("+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8="),  # twilio-python's request validator tests
    ],
)
def test_it_computes_twilios_documented_signatures(number, expected):
    assert compute_signature("12345", TWILIO_URL, twilio_params(number)) == expected
    assert signature_is_valid("12345", TWILIO_URL, twilio_params(number), expected)


def test_it_refuses_a_signature_made_with_another_token_or_for_other_params():
    good = compute_signature("12345", TWILIO_URL, twilio_params("+12349013030"))
    assert not signature_is_valid("54321", TWILIO_URL, twilio_params("+12349013030"), good)
    assert not signature_is_valid("12345", TWILIO_URL, twilio_params("+12349013031"), good)
    assert not signature_is_valid("12345", TWILIO_URL, twilio_params("+12349013030"), "")


def test_it_accepts_the_url_with_or_without_the_default_port():
    signed = compute_signature("12345", "https://mycompany.com:443/myapp.php", {})
    assert signature_is_valid("12345", "https://mycompany.com/myapp.php", {}, signed)


@pytest.mark.django_db
def test_it_refuses_a_webhook_with_a_bad_signature(client, twilio, alice):
    response = text(client, sid="SM1", signature="bm90IHRoZSBzaWduYXR1cmU=")
    assert response.status_code == 403
    assert not Chat.objects.exists()
    response = client.post(WEBHOOK, {"MessageSid": "SM1", "From": "+16175550100", "Body": "hi"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_webhook_is_off_without_a_provider(client, settings, departments):
    settings.DESK_SMS_PROVIDER = ""
    assert text(client, sid="SM1").status_code == 404
    assert not Chat.objects.exists()


# --- Texts in -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_text_starts_a_chat_marked_sms_and_later_texts_join_it(
    client, twilio, departments, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = text(client, sid="SM1", body="Are you open today?")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response></Response>" in response.content
    chat = Chat.objects.get()
    assert (chat.source, chat.status, chat.question) == ("sms", "waiting", "Are you open today?")
    assert chat.department == departments["research"]
    assert chat.sms.phone == "+16175550100"

    text(client, sid="SM2", body="Until when?")
    assert Chat.objects.count() == 1
    assert list(chat.messages.values_list("sender", "body")) == [("patron", "Until when?")]

    text(client, sid="SM3", phone="+16175550199", body="Another patron")
    assert Chat.objects.count() == 2


@pytest.mark.django_db
def test_a_redelivered_text_is_stored_once_even_after_later_texts(client, twilio, departments):
    text(client, sid="SM1", body="first")
    text(client, sid="SM2", body="second")
    # Twilio retries SM1 (its first webhook timed out) after SM2 already arrived.
    assert text(client, sid="SM1", body="first").status_code == 200
    assert text(client, sid="SM2", body="second").status_code == 200
    chat = Chat.objects.get()
    assert chat.question == "first"
    assert list(chat.messages.values_list("body", flat=True)) == ["second"]
    assert IncomingSms.objects.count() == 2


@pytest.mark.django_db
def test_a_late_redelivery_does_not_reopen_or_join_a_newer_chat(client, twilio, alice):
    text(client, sid="SM1", body="first question")
    chat = Chat.objects.get()
    services.claim_chat(chat_id=chat.pk, operator=alice)
    services.end_chat(chat=Chat.objects.get(), ended_by="operator", operator=alice)
    text(client, sid="SM9", body="a new question")
    text(client, sid="SM1", body="first question")
    assert Chat.objects.count() == 2
    newer = Chat.objects.exclude(pk=chat.pk).get()
    assert newer.question == "a new question"
    assert not newer.messages.exists()
    assert SmsConversation.objects.filter(open=True).get().chat == newer


@pytest.mark.django_db(transaction=True)
def test_two_first_texts_at_once_make_one_chat(twilio, departments):
    from django.db import connection
    from django.test import Client

    barrier = threading.Barrier(2)
    answers = []

    def deliver(sid):
        barrier.wait()
        answers.append(text(Client(), sid=sid, body=f"text {sid}").status_code)
        connection.close()

    threads = [threading.Thread(target=deliver, args=(sid,)) for sid in ("SMa", "SMb")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    chat = Chat.objects.get()
    assert chat.messages.count() == 1
    assert SmsConversation.objects.count() == 1


@pytest.mark.django_db
def test_one_open_sms_chat_per_phone_is_a_database_rule(twilio, departments):
    from django.db import IntegrityError

    from chat.models import hash_token

    chats = [
        Chat.objects.create(
            department=departments["research"], source="sms", token_hash=hash_token(str(n)), question="q"
        )
        for n in range(2)
    ]
    SmsConversation.objects.create(chat=chats[0], phone="+1555", provider="twilio")
    with pytest.raises(IntegrityError):
        SmsConversation.objects.create(chat=chats[1], phone="+1555", provider="twilio")


# --- Replies out ----------------------------------------------------------------------------


@pytest.fixture
def claimed_sms_chat(client, twilio, alice):
    text(client, sid="SM1", body="Do you have a scanner?")
    chat = Chat.objects.get()
    services.claim_chat(chat_id=chat.pk, operator=alice)
    return Chat.objects.get(pk=chat.pk)


def reply_and_queue(send, monkeypatch, capture_on_commit):
    """Send an operator's reply; return it, its one outgoing text, and the ids handed to the
    sending task (which the worker tests run for real)."""
    queued = []
    monkeypatch.setattr(send_sms, "delay", queued.append)
    with capture_on_commit(execute=True):
        message = send()
    return message, OutgoingSms.objects.get(), queued


@pytest.mark.django_db
def test_an_operator_reply_is_queued_as_a_text_and_system_notes_are_not(
    claimed_sms_chat, alice, django_capture_on_commit_callbacks, monkeypatch
):
    message, outgoing, queued = reply_and_queue(
        lambda: services.send_message(
            chat=claimed_sms_chat, body="Yes, on floor 2.", sender=Message.Sender.OPERATOR, operator=alice
        ),
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    assert (outgoing.to_phone, outgoing.body, outgoing.status, outgoing.message) == (
        "+16175550100",
        "Yes, on floor 2.",
        "pending",
        message,
    )
    assert queued == [outgoing.pk]
    assert Message.objects.filter(chat=claimed_sms_chat, sender="system").exists()
    assert OutgoingSms.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_typed_on_the_dashboard_is_queued_as_a_text(
    claimed_sms_chat, alice, django_capture_on_commit_callbacks, monkeypatch
):
    # The dashboard's one-statement path for web chats must not skip an SMS chat's outbox.
    message, outgoing, queued = reply_and_queue(
        lambda: services.send_operator_message(chat_id=claimed_sms_chat.pk, body="Yes, on floor 2.", operator=alice),
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    assert (outgoing.body, outgoing.message, queued) == ("Yes, on floor 2.", message, [outgoing.pk])


@pytest.mark.django_db
def test_a_reply_longer_than_a_text_can_carry_is_refused_and_nothing_is_saved(claimed_sms_chat, alice):
    with pytest.raises(services.ChatError, match="at most 1600"):
        services.send_message(chat=claimed_sms_chat, body="x" * 1601, sender="operator", operator=alice)
    assert not Message.objects.filter(sender="operator").exists()
    assert not OutgoingSms.objects.exists()


@pytest.mark.django_db
def test_without_a_provider_replies_are_written_to_the_log(claimed_sms_chat, alice, settings, caplog, monkeypatch):
    monkeypatch.setattr(send_sms, "delay", lambda pk: None)
    services.send_message(chat=claimed_sms_chat, body="We close at 10.", sender="operator", operator=alice)
    settings.DESK_SMS_PROVIDER = ""
    outgoing = OutgoingSms.objects.get()
    with caplog.at_level(logging.INFO, logger="chat.sms"):
        assert send_sms.apply(args=[outgoing.pk]).get() == "sent"
    assert "+16175550100: We close at 10." in caplog.text
    outgoing.refresh_from_db()
    assert outgoing.status == "sent" and outgoing.attempts == 1
    # Sent once: running the task again does nothing.
    assert send_sms.apply(args=[outgoing.pk]).get() == "nothing to do"


# --- Segments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,encoding,units,segments",
    [
        ("a" * 160, "gsm", 160, 1),
        ("a" * 161, "gsm", 161, 2),
        ("a" * 306, "gsm", 306, 2),
        ("a" * 307, "gsm", 307, 3),
        ("€" * 80, "gsm", 160, 1),  # extension characters take two septets
        ("[" * 81, "gsm", 162, 2),
        ("é" * 160, "gsm", 160, 1),  # é is in the GSM alphabet
        ("ê" + "a" * 69, "ucs2", 70, 1),  # ê is not: the whole text goes UCS-2
        ("ê" + "a" * 70, "ucs2", 71, 2),
        ("😀" * 35, "ucs2", 70, 1),  # astral characters take two UTF-16 units
    ],
)
def test_it_counts_sms_segments_by_gsm7_and_ucs2_rules(body, encoding, units, segments):
    assert sms_length(body) == (encoding, units)
    assert segment_count(body) == segments


@pytest.mark.django_db
def test_a_reply_that_cannot_be_sent_is_marked_failed_and_the_operator_is_told(
    claimed_sms_chat, alice, settings, monkeypatch
):
    monkeypatch.setattr(send_sms, "delay", lambda pk: None)
    services.send_message(chat=claimed_sms_chat, body="We close at 10.", sender="operator", operator=alice)
    settings.DESK_SMS_FROM_NUMBER = ""  # misconfigured: retrying would not help
    outgoing = OutgoingSms.objects.get()
    assert send_sms.apply(args=[outgoing.pk]).get() == "failed"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("failed", 1)
    assert "DESK_SMS_FROM_NUMBER" in outgoing.last_error
    note = Message.objects.filter(chat=claimed_sms_chat, sender="system").last()
    assert note.body.startswith("This reply could not be sent as a text")
    assert OutgoingSms.objects.count() == 1  # the note itself is not texted


@pytest.mark.django_db(transaction=True)
def test_a_reply_written_while_the_broker_is_down_stays_pending_for_the_sweep(claimed_sms_chat, alice, broker_down):
    from deskservice import outbox

    message = services.send_message(chat=claimed_sms_chat, body="Yes, floor 2.", sender="operator", operator=alice)
    assert Message.objects.get(pk=message.pk).body == "Yes, floor 2."
    outgoing = OutgoingSms.objects.get()
    # Not failed: nothing is wrong with the text, and the outbox sweep sends it once the broker is back.
    assert outgoing.status == "pending" and outgoing.last_error.startswith(outbox.NOT_QUEUED)


# --- Faults and floods ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_host_with_a_port_out_of_range_is_refused_not_a_500(client, twilio, departments):
    form = {"MessageSid": "SM1", "From": "+16175550100", "Body": "hi"}
    url = "http://127.0.0.1:99999" + WEBHOOK
    signature = compute_signature(TOKEN, url, {k: [v] for k, v in form.items()})
    assert not signature_is_valid(TOKEN, url, {k: [v] for k, v in form.items()}, signature)
    response = client.post(WEBHOOK, form, headers={"X-Twilio-Signature": signature}, HTTP_HOST="127.0.0.1:99999")
    assert response.status_code == 403
    assert not Chat.objects.exists()


@pytest.mark.django_db
def test_the_webhook_refuses_a_flood_of_numbers_once_the_department_has_had_its_share(
    client, twilio, settings, departments
):
    settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = 2
    answers = [text(client, sid=f"SM{n}", phone=f"+1617555010{n}", body=f"text {n}") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["error"].startswith("This department is receiving too many requests")
    assert int(answers[2]["Retry-After"]) >= 1
    assert sorted(Chat.objects.values_list("question", flat=True)) == ["text 0", "text 1"]


@pytest.mark.django_db
def test_a_reply_with_no_usable_provider_fails_and_the_operator_is_told(claimed_sms_chat, alice, settings, monkeypatch):
    monkeypatch.setattr(send_sms, "delay", lambda pk: None)
    services.send_message(chat=claimed_sms_chat, body="We close at 10.", sender="operator", operator=alice)
    settings.DESK_SMS_PROVIDER = "carrier-pigeon"  # get_provider() raises ImproperlyConfigured
    outgoing = OutgoingSms.objects.get()
    assert send_sms.apply(args=[outgoing.pk]).get() == "failed"
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.attempts) == ("failed", 1)
    assert outgoing.last_error.startswith("SMS is not configured: DESK_SMS_PROVIDER must be one of")
    note = Message.objects.filter(chat=claimed_sms_chat, sender="system").last()
    assert note.body.startswith("This reply could not be sent as a text (SMS is not configured")


def _waiting_for_a_lock() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_text_that_races_end_chat_starts_a_new_chat_and_is_not_lost(twilio, alice):
    import time

    from django.db import connection, transaction
    from django.test import Client

    text(Client(), sid="SM1", body="Do you have a scanner?")
    chat = services.claim_chat(chat_id=Chat.objects.get().pk, operator=alice)
    locked, go, answers = threading.Event(), threading.Event(), []

    def end_chat():
        # End Chat holds the chat's row while the text arrives.
        with transaction.atomic():
            Chat.objects.select_for_update().get(pk=chat.pk)
            locked.set()
            go.wait(10)
            services.end_chat(chat=chat, ended_by="operator", operator=alice)
        connection.close()

    def deliver():
        answers.append(text(Client(), sid="SM2", body="Also: colour printing?").status_code)
        connection.close()

    ender = threading.Thread(target=end_chat)
    ender.start()
    assert locked.wait(10)
    texter = threading.Thread(target=deliver)
    texter.start()
    deadline = time.monotonic() + 10
    while not _waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    go.set()
    ender.join()
    texter.join()
    assert answers == [200]
    assert Chat.objects.get(pk=chat.pk).status == "ended"
    assert not Message.objects.filter(chat=chat, sender="patron").exists()
    newer = Chat.objects.exclude(pk=chat.pk).get()
    assert (newer.source, newer.status, newer.question) == ("sms", "waiting", "Also: colour printing?")
    assert SmsConversation.objects.get(open=True).chat == newer
