"""The admin pages a supervisor runs the desk from: they open, and their list pages cost the
same number of queries for 3 rows as for 30 (issue 8)."""

from datetime import time, timedelta

import pytest
from django.contrib import admin
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import Interaction
from chat import services as chat_services
from chat.models import Ban, CannedMessage, TranscriptEmail, Transfer
from chat.screenshare.models import MeetingRoom, ScreenshareRequest
from chat.sms.models import SmsConversation
from conftest import bring_online
from deskservice import audit
from deskservice.models import Shift, User
from faq.models import FaqEntry
from tickets.models import InboundEmail, OutgoingEmail, Queue, TicketAttachment
from tickets.services import create_ticket

pytestmark = pytest.mark.django_db

# Every list page whose columns show a related row (a nullable one is not joined by default).
LISTS = [
    "/admin/chat/chat/",
    "/admin/chat/cannedmessage/",
    "/admin/chat/transcriptemail/",
    "/admin/chat/transfer/",
    "/admin/chat/ban/",
    "/admin/chat/meetingroom/",
    "/admin/chat/screensharerequest/",
    "/admin/chat/smsconversation/",
    "/admin/tickets/ticket/",
    "/admin/tickets/queue/",
    "/admin/tickets/outgoingemail/",
    "/admin/tickets/inboundemail/",
    "/admin/tickets/ticketattachment/",
    "/admin/deskservice/auditentry/",
    "/admin/deskservice/shift/",
    "/admin/analytics/interaction/",
    "/admin/faq/faqentry/",
]


def add_rows(n, departments, alice, location):
    queue = Queue.objects.filter(is_default=True).first() or Queue.objects.create(
        name="Research help", slug="research-help", is_default=True
    )
    start = FaqEntry.objects.count()
    for i in range(start, start + n):
        chat, _ = chat_services.start_chat(department=departments["research"], question=f"Question {i}")
        chat_services.claim_chat(chat_id=chat.pk, operator=alice)
        ticket = create_ticket(
            question=f"Ticket {i}", email=f"p{i}@example.org", source="phone", queue=queue, assignee=alice
        )
        audit.record(actor=alice, action=audit.Action.EXPORTED, object_type="interactions")
        operator = User.objects.create(username=f"operator{i}", first_name=f"Op {i}")
        CannedMessage.objects.create(title=f"Welcome {i}", body="Hello", department=departments["research"])
        TranscriptEmail.objects.create(chat=chat, to_email=f"p{i}@example.org", requested_by="patron")
        Transfer.objects.create(chat=chat, from_operator=alice, to_operator=operator, status="declined")
        Ban.objects.create(
            client_hash=f"{i:064d}", chat=chat, banned_by=alice, expires_at=timezone.now() + timedelta(days=1)
        )
        MeetingRoom.objects.create(operator=operator, url=f"https://meet.example.org/{i}")
        ScreenshareRequest.objects.create(
            chat=chat, operator=alice, status="declined", meeting_url="https://meet.example.org/x"
        )
        SmsConversation.objects.create(chat=chat, phone=f"+1617555{i:04d}", provider="log", open=False)
        Queue.objects.create(name=f"Queue {i}", slug=f"queue-{i}", department=departments["ideas"])
        OutgoingEmail.objects.create(ticket=ticket, kind="reply", to_email=f"p{i}@example.org", message_id=f"<{i}@x>")
        InboundEmail.objects.create(sender=f"p{i}@example.org", subject="Re", outcome="threaded", ticket=ticket)
        TicketAttachment.objects.create(
            ticket=ticket, filename=f"f{i}.pdf", content_type="application/pdf", size=1, sha256="0" * 64, path=f"t/{i}"
        )
        Shift.objects.create(
            operator=operator, department=departments["ideas"], weekday=i % 7, starts_at=time(9), ends_at=time(12)
        )
        Interaction.objects.create(
            mode="chat", location=location, duration_minutes=5, department=departments["research"], operator=alice
        )
        FaqEntry.objects.create(question=f"Q {i}", answer="A", slug=f"q-{i}", department=departments["ideas"])


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def test_list_pages_do_not_query_per_row(client, sam, departments, alice, location):
    bring_online(alice)
    client.force_login(sam)
    add_rows(3, departments, alice, location)
    few = {path: queries_for(client, path) for path in LISTS}
    add_rows(27, departments, alice, location)
    many = {path: queries_for(client, path) for path in LISTS}
    assert many == few


def test_every_list_with_a_related_column_is_measured():
    """A new admin list that shows a related row must join the test above."""
    with_related_columns = set()
    for model, model_admin in admin.site._registry.items():
        fields = {f.name: f for f in model._meta.get_fields()}
        if any(isinstance(fields.get(name), models.ForeignKey) for name in model_admin.list_display):
            with_related_columns.add(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
    assert with_related_columns <= set(LISTS), with_related_columns - set(LISTS)


def test_a_supervisor_opens_every_configuration_page(client, sue):
    client.force_login(sue)
    for path in [
        "/admin/",
        "/admin/deskservice/department/",
        "/admin/deskservice/shift/",
        "/admin/deskservice/user/",
        "/admin/chat/cannedmessage/",
        "/admin/tickets/queue/",
        "/admin/tickets/externalteam/",
        "/admin/analytics/location/",
        "/admin/analytics/questiontype/",
        "/admin/analytics/formsettings/",
    ]:
        assert client.get(path).status_code == 200, path
    # Desk settings is one row: the list opens it.
    response = client.get("/admin/deskservice/desksettings/", follow=True)
    assert response.status_code == 200 and b"retention_days" in response.content
    response = client.post(
        response.redirect_chain[-1][0],
        {"retention_days": "90", "meeting_url": "https://meet.jit.si/library-desk", "widget_colour": "#1d4ed8"},
    )
    assert response.status_code == 302
    from deskservice.models import DeskSettings

    assert DeskSettings.current().retention_days == 90
