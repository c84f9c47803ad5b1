"""The manuals' SMS procedure: a question too long for SMS becomes a full ticket created by hand
(name and email required, the texts pre-filled), then the SMS chat is closed with its analytics (mode SMS)."""

import re

import pytest

from analytics.models import Interaction, Location
from chat import services
from chat.models import Chat
from chat.sms.base import InboundText
from chat.sms.services import receive_text
from tickets.models import Queue, Ticket


@pytest.fixture
def sms_chat(settings, alice):
    settings.DESK_SMS_DEPARTMENT = "research"
    receive_text(provider="twilio", text=InboundText("SM1", "+16175550100", "Hi, I need help with my thesis"))
    receive_text(provider="twilio", text=InboundText("SM2", "+16175550100", "formatting for the grad school"))
    chat = Chat.objects.get()
    services.claim_chat(chat_id=chat.pk, operator=alice)
    return Chat.objects.get(pk=chat.pk)


@pytest.fixture
def access_queue(departments):
    return Queue.objects.create(
        name="Access Services", slug="access-services", department=departments["access"], is_default=True
    )


@pytest.mark.django_db
def test_an_sms_question_becomes_a_ticket_and_the_chat_closes_with_mode_sms(client, sms_chat, alice, access_queue):
    client.force_login(alice)
    page = client.get(f"/tickets/new/?chat={sms_chat.pk}").content.decode()
    assert "Hi, I need help with my thesis\nformatting for the grad school" in page
    assert 'value="+16175550100"' in page

    form = {"chat": str(sms_chat.pk), "queue": access_queue.pk, "email": "", "question": "Thesis formatting"}
    refused = client.post("/tickets/new/", form)
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"name", "email"}
    assert not Ticket.objects.exists()

    created = client.post("/tickets/new/", {**form, "name": "Pat Patron", "email": "pat@example.org"})
    assert created.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.patron_name, ticket.patron_email, ticket.chat) == (
        "sms",
        "Pat Patron",
        "pat@example.org",
        sms_chat,
    )

    services.end_chat(chat=sms_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    html = client.get(f"/analytics/chats/{sms_chat.pk}/interaction").content.decode()
    select = re.search(r'<select name="mode"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1) == "sms"
    location = Location.objects.create(name="Virtual")
    saved = client.post(
        f"/analytics/chats/{sms_chat.pk}/interaction", {"location": location.pk, "mode": "sms", "duration_minutes": "4"}
    )
    assert saved.status_code == 200
    assert Interaction.objects.get().mode == "sms"
    assert client.post(f"/desk/api/chats/{sms_chat.pk}/close").status_code == 200
    assert Chat.objects.get(pk=sms_chat.pk).closed_at is not None
