"""Patron privacy: the retention run and erasure on request, checked row by row (issue 8).

A mixed desk: an old finished chat and ticket (past the retention period), a recent chat and
ticket, an old chat still going, a second patron, mail that reached no ticket, and chats and
tickets that carry the patron's address only in a transcript or a message. After the run, what
identified or quoted the patron is gone from exactly the old rows; the reference statistics are
all still there.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from analytics.models import Interaction
from chat import services as chat_services
from chat.models import Chat, ChatEvent, Message, TranscriptEmail
from chat.patron_info import update_patron
from conftest import bring_online
from deskservice.models import AuditEntry, DeskSettings
from deskservice.retention import ERASED, anonymise_expired, erase_patron
from tickets import services as ticket_services
from tickets.attachments import attachment_path, store_attachment
from tickets.models import InboundEmail, OutgoingEmail, Queue, Ticket, TicketAttachment, TicketMessage

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - timedelta(days=200)
RECENT = NOW - timedelta(days=20)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


def finished_chat(department, operator, location, *, email, when, question):
    chat, _ = chat_services.start_chat(
        department=department, question=question, name="Pat Patron", email=email, page_url="https://lib.example.edu/x"
    )
    chat_services.claim_chat(chat_id=chat.pk, operator=operator)
    chat_services.send_message(chat=chat, body=f"My student id is 123 ({email})", sender="patron")
    chat_services.send_message(chat=chat, body="Here is the link.", sender="operator", operator=operator)
    # The operator corrects the name: the event keeps the old and the new one.
    chat = update_patron(chat=chat, operator=operator, name="Patricia Patron", email=email)
    chat_services.end_chat(chat=chat, ended_by="patron")
    chat_services.request_transcript(chat=chat, email=email, requested_by="patron")
    chat_services.rate_chat(chat=Chat.objects.get(pk=chat.pk), rating=5, comment=f"Thanks! Pat, room 12 ({email})")
    from analytics.services import record_chat_interaction

    record_chat_interaction(chat=chat, operator=operator, location=location, mode="chat", duration_minutes=7)
    Chat.objects.filter(pk=chat.pk).update(created_at=when, claimed_at=when, ended_at=when + timedelta(minutes=7))
    return Chat.objects.get(pk=chat.pk)


def ticket_for(queue, operator, *, email, when):
    ticket = ticket_services.create_ticket(
        question="Can I renew my loan? Card 2000123",
        email=email,
        name="Pat Patron",
        phone="617-555-0100",
        source="phone",
        queue=queue,
        operator=operator,
    )
    ticket_services.reply_to_ticket(ticket=ticket, operator=operator, body="Yes, until Friday.")
    store_attachment(ticket=ticket, filename="card.png", content_type="image/png", data=b"\x89PNG fake")
    Ticket.objects.filter(pk=ticket.pk).update(created_at=when, updated_at=when)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def desk(departments, alice, location):
    bring_online(alice)
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    research = departments["research"]
    data = {
        "old_chat": finished_chat(research, alice, location, email="pat@example.org", when=OLD, question="Old Q"),
        "recent_chat": finished_chat(research, alice, location, email="pat@example.org", when=RECENT, question="New Q"),
        "other_chat": finished_chat(research, alice, location, email="kim@example.org", when=OLD, question="Kim Q"),
        "old_ticket": ticket_for(queue, alice, email="pat@example.org", when=OLD),
        "recent_ticket": ticket_for(queue, alice, email="pat@example.org", when=RECENT),
    }
    # An old chat that never ended (a patron still there, or a stuck row): not anonymised mid-chat.
    live, _ = chat_services.start_chat(department=research, question="Still asking", email="lee@example.org")
    Chat.objects.filter(pk=live.pk).update(created_at=OLD)
    data["live_chat"] = Chat.objects.get(pk=live.pk)

    # A chat where the patron gave no address, then asked for the transcript at theirs.
    chat, _ = chat_services.start_chat(department=research, question="Transcript only Q")
    chat_services.end_chat(chat=chat, ended_by="patron")
    chat_services.request_transcript(chat=chat, email="pat@example.org", requested_by="patron")
    Chat.objects.filter(pk=chat.pk).update(created_at=RECENT, ended_at=RECENT)
    data["transcript_only_chat"] = Chat.objects.get(pk=chat.pk)
    # A chat turned into a ticket under another address; the patron then wrote in from theirs.
    chat, _ = chat_services.start_chat(department=research, question="Chat behind a ticket")
    chat_services.end_chat(chat=chat, ended_by="patron")
    Chat.objects.filter(pk=chat.pk).update(created_at=RECENT, ended_at=RECENT)
    data["chat_of_mailed_ticket"] = Chat.objects.get(pk=chat.pk)
    ticket = ticket_for(queue, alice, email="p.patron@home.example.net", when=RECENT)
    TicketMessage.objects.create(ticket=ticket, kind="patron", from_email="pat@example.org", body="It's me again")
    Ticket.objects.filter(pk=ticket.pk).update(chat=chat)
    data["mailed_ticket"] = Ticket.objects.get(pk=ticket.pk)

    # Mail that reached no ticket (refused, an automatic reply), old and recent, and old mail
    # that joined a recent ticket.
    data["old_mail"] = InboundEmail.objects.create(
        sender="pat@example.org", subject="My card 2000123", outcome="rejected", detail="Too big", received_at=OLD
    )
    data["recent_mail"] = InboundEmail.objects.create(
        sender="kim@example.org", subject="Out of office", outcome="automatic", received_at=RECENT
    )
    data["threaded_mail"] = InboundEmail.objects.create(
        sender="pat@example.org",
        subject="Re: renew",
        outcome="threaded",
        ticket=data["recent_ticket"],
        received_at=OLD,
    )
    return data


def statistics():
    return list(
        Interaction.objects.order_by("id").values_list(
            "id", "chat_id", "mode", "location_id", "duration_minutes", "department_id", "operator_id", "happened_at"
        )
    )


def assert_chat_erased(chat):
    chat.refresh_from_db()
    assert chat.anonymised_at is not None
    assert (chat.patron_name, chat.patron_email, chat.page_url, chat.user_agent) == ("", "", "", "")
    assert chat.question == ERASED
    said = Message.objects.filter(chat=chat).exclude(sender=Message.Sender.SYSTEM)
    assert set(said.values_list("body", flat=True)) <= {ERASED}
    assert set(TranscriptEmail.objects.filter(chat=chat).values_list("to_email", flat=True)) <= {""}
    assert chat.rating_comment == ""
    # The correction stays in the chat's history, without the names and addresses.
    assert all(event.detail == {} for event in ChatEvent.objects.filter(chat=chat, kind="patron_updated"))
    # What the desk said (joined, ended) names no patron and stays for the chat's history.
    assert Message.objects.filter(chat=chat, sender=Message.Sender.SYSTEM).exists()


def assert_chat_kept(chat, email):
    chat.refresh_from_db()
    assert chat.anonymised_at is None and chat.patron_email == email and chat.question != ERASED
    assert Message.objects.filter(chat=chat, body__contains=email).exists()
    assert email in chat.rating_comment
    event = ChatEvent.objects.get(chat=chat, kind="patron_updated")
    assert event.detail == {"patron_name": {"from": "Pat Patron", "to": "Patricia Patron"}}


def assert_mail_erased(mail):
    mail.refresh_from_db()
    assert (mail.sender, mail.subject, mail.detail) == ("", "", "")


def assert_mail_kept(mail):
    mail.refresh_from_db()
    assert "@" in mail.sender and mail.subject


def assert_ticket_erased(ticket):
    ticket.refresh_from_db()
    assert ticket.anonymised_at is not None
    assert (ticket.patron_name, ticket.patron_email, ticket.patron_phone) == ("", "", "")
    assert ticket.question == ERASED and ticket.subject == ERASED
    assert set(TicketMessage.objects.filter(ticket=ticket).values_list("body", flat=True)) <= {ERASED}
    assert set(OutgoingEmail.objects.filter(ticket=ticket).values_list("to_email", flat=True)) == {""}
    assert not TicketAttachment.objects.filter(ticket=ticket).exists()


def test_the_run_erases_old_patron_data_and_keeps_the_statistics(desk, tmp_path):
    before = statistics()
    old_file = attachment_path(desk["old_ticket"].attachments.get())
    recent_file = attachment_path(desk["recent_ticket"].attachments.get())
    assert old_file.exists() and recent_file.exists()

    result = anonymise_expired(now=NOW, batch_size=1)

    assert result.as_dict() == {"chats": 2, "tickets": 1, "files": 1, "emails": 1}
    assert_chat_erased(desk["old_chat"])
    assert_chat_erased(desk["other_chat"])
    assert ChatEvent.objects.get(chat=desk["old_chat"], kind="patron_updated").detail == {}
    assert Message.objects.filter(chat=desk["old_chat"], sender="patron", body=ERASED).exists()
    assert_chat_kept(desk["recent_chat"], "pat@example.org")
    for key in ("transcript_only_chat", "chat_of_mailed_ticket"):
        assert Chat.objects.get(pk=desk[key].pk).anonymised_at is None
    live = Chat.objects.get(pk=desk["live_chat"].pk)
    assert live.anonymised_at is None and live.patron_email == "lee@example.org"
    assert_ticket_erased(desk["old_ticket"])
    recent = Ticket.objects.get(pk=desk["recent_ticket"].pk)
    assert recent.anonymised_at is None and recent.patron_phone == "617-555-0100"
    assert Ticket.objects.get(pk=desk["mailed_ticket"].pk).anonymised_at is None
    assert not old_file.exists() and recent_file.exists()
    # Mail that reached no ticket goes after the same period; mail in a kept ticket stays.
    assert_mail_erased(desk["old_mail"])
    assert_mail_kept(desk["recent_mail"])
    assert_mail_kept(desk["threaded_mail"])
    # Reference statistics: every interaction, field for field, as before, and the ratings.
    assert statistics() == before and len(before) == 3
    assert Chat.objects.get(pk=desk["old_chat"].pk).rating == 5
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RETENTION_RUN)
    assert entry.detail["chats"] == 2 and entry.actor is None


def test_it_is_idempotent(desk):
    anonymise_expired(now=NOW)
    erased_at = Chat.objects.get(pk=desk["old_chat"].pk).anonymised_at
    assert anonymise_expired(now=NOW).as_dict() == {"chats": 0, "tickets": 0, "files": 0, "emails": 0}
    assert Chat.objects.get(pk=desk["old_chat"].pk).anonymised_at == erased_at
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RETENTION_RUN).count() == 1


def test_the_supervisors_setting_decides_the_period(desk):
    row = DeskSettings.current()
    row.retention_days = 10
    row.save()
    assert anonymise_expired(now=NOW).as_dict()["chats"] == 5  # the 20-day-old chats too
    assert_chat_erased(desk["recent_chat"])
    assert_mail_erased(desk["recent_mail"])


def test_the_period_is_at_least_one_day(client, sue):
    client.force_login(sue)
    url = f"/admin/deskservice/desksettings/{DeskSettings.current().pk}/change/"
    response = client.post(url, {"retention_days": "0", "widget_colour": "#1d4ed8"})
    assert response.status_code == 200 and b"Keep patron data at least one day." in response.content
    assert DeskSettings.current().retention_days == 180
    # Below the form, the database refuses it too.
    with pytest.raises(IntegrityError):
        DeskSettings.objects.filter(pk=DeskSettings.current().pk).update(retention_days=0)


def test_a_patron_is_erased_on_request_by_email(desk, sue):
    result = erase_patron(email="PAT@example.org", actor=sue)
    assert result.as_dict() == {"chats": 4, "tickets": 3, "files": 3, "emails": 1}
    # Found by the patron's address, by a transcript sent there, and by the ticket the chat became.
    for key in ("old_chat", "recent_chat", "transcript_only_chat", "chat_of_mailed_ticket"):
        assert_chat_erased(desk[key])
    # Found by the patron's address, and by a message the patron sent from it.
    for key in ("old_ticket", "recent_ticket", "mailed_ticket"):
        assert_ticket_erased(desk[key])
    assert_chat_kept(desk["other_chat"], "kim@example.org")
    assert_mail_erased(desk["old_mail"])
    assert_mail_erased(desk["threaded_mail"])
    assert_mail_kept(desk["recent_mail"])
    live = Chat.objects.get(pk=desk["live_chat"].pk)
    assert live.anonymised_at is None
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ERASED_PATRON)
    assert entry.actor == sue and entry.detail == {"chats": 4, "tickets": 3, "files": 3, "emails": 1}
    # The audit log does not keep the address it was asked to forget.
    assert "pat@example.org" not in str(entry.detail).lower()
    with pytest.raises(ValueError):
        erase_patron(email="not an address", actor=sue)


def test_the_supervisor_erases_a_patron_from_the_admin(desk, client, sue, alice):
    client.force_login(alice)
    assert client.get("/admin/deskservice/auditentry/erase-patron/").status_code in (302, 403)
    client.force_login(sue)
    page = client.get("/admin/deskservice/auditentry/erase-patron/")
    assert page.status_code == 200 and b"Erase patron data" in page.content
    refused = client.post("/admin/deskservice/auditentry/erase-patron/", {"email": "pat@example.org"})
    assert refused.status_code == 200 and b"This field is required" in refused.content
    assert Chat.objects.get(pk=desk["old_chat"].pk).anonymised_at is None
    done = client.post(
        "/admin/deskservice/auditentry/erase-patron/", {"email": "pat@example.org", "confirm": "on"}, follow=True
    )
    assert b"Erased 4 chat(s) and 3 ticket(s)" in done.content
    assert_chat_erased(desk["old_chat"])


def test_the_admin_index_links_the_erasure_page_for_supervisors_only(client, sue, barb, lena, sam):
    link = b'href="/admin/deskservice/auditentry/erase-patron/"'
    for person in (sue, sam):
        client.force_login(person)
        page = client.get("/admin/")
        assert page.status_code == 200 and link in page.content and b"Erase a patron's data" in page.content
    # A backup supervisor opens the admin (for the audit log) but may not erase.
    client.force_login(barb)
    page = client.get("/admin/")
    assert page.status_code == 200 and b"Audit entries" in page.content and link not in page.content
    client.force_login(lena)
    page = client.get("/admin/", follow=True)
    assert link not in page.content


def test_beat_runs_the_retention_task_daily():
    from deskservice.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-expired-patron-data"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert str(entry["schedule"].hour) == "{3}"


def test_sms_numbers_texts_and_chat_attachments_go_too(departments, alice, location, settings):
    from chat.attachments.models import ChatAttachment
    from chat.attachments.services import attach_file
    from chat.attachments.storage import path_of
    from chat.sms.base import InboundText
    from chat.sms.models import OutgoingSms, SmsConversation
    from chat.sms.services import receive_text
    from chat.tests.test_attachments import PNG

    settings.DESK_SMS_PROVIDER = "log"
    bring_online(alice)
    sms_chat = receive_text(provider="log", text=InboundText(provider_id="SM1", phone="+16175550100", body="Hours?"))
    chat_services.claim_chat(chat_id=sms_chat.pk, operator=alice)
    chat_services.send_message(chat=Chat.objects.get(pk=sms_chat.pk), body="9 to 5.", sender="operator", operator=alice)
    web_chat, _ = chat_services.start_chat(department=departments["research"], question="See my screenshot")
    attachment = attach_file(chat=web_chat, filename="screen.png", data=PNG)
    file_path = path_of(attachment.path)
    assert file_path.exists()
    for chat in (Chat.objects.get(pk=sms_chat.pk), web_chat):
        chat_services.end_chat(chat=chat, ended_by="patron")
    Chat.objects.filter(pk__in=[sms_chat.pk, web_chat.pk]).update(created_at=OLD, ended_at=OLD)

    result = anonymise_expired(now=NOW)

    assert result.chats == 2 and result.files == 1
    conversation = SmsConversation.objects.get(chat=sms_chat)
    assert conversation.phone == "" and not conversation.open
    assert set(OutgoingSms.objects.values_list("to_phone", "body")) == {("", ERASED)}
    assert not ChatAttachment.objects.exists() and not file_path.exists()
