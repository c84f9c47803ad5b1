"""Patron Information in a chat: details, Update, and earlier chats and tickets (issue 12)."""

import json

import pytest
from django.test import Client

from chat import services
from chat.models import ChatEvent
from chat.patron_info import browser_summary
from conftest import bring_online
from deskservice.models import AuditEntry
from tickets.models import Queue
from tickets.services import create_ticket

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def chat_with(departments, email, question="A question", **extra):
    chat, _ = services.start_chat(department=departments["research"], question=question, email=email, **extra)
    return chat


@pytest.fixture
def current(departments, alice):
    bring_online(alice)
    chat = chat_with(
        departments,
        "pat@example.org",
        "Where are the theses?",
        name="Pat",
        page_url="https://library.example.edu/theses",
        user_agent=FIREFOX,
    )
    return services.claim_chat(chat_id=chat.pk, operator=alice)


def earlier(departments, n, email="PAT@example.org"):
    queue = Queue.objects.filter(is_default=True).first() or Queue.objects.create(
        name="Research help", slug="research-help", is_default=True
    )
    for i in range(n):
        chat_with(departments, email, f"Earlier question {i}")
        create_ticket(question=f"Earlier ticket {i}", email=email, source="phone", queue=queue)


def test_it_shows_what_the_desk_knows_and_the_patrons_history(current, departments, alice, carmen):
    earlier(departments, 2)
    earlier(departments, 1, email="someone.else@example.org")
    info = as_user(alice).get(f"/desk/api/chats/{current.pk}/patron").json()
    assert (info["name"], info["email"]) == ("Pat", "pat@example.org")
    assert info["page_url"] == "https://library.example.edu/theses"
    assert info["browser"] == "Firefox on Windows"
    assert [c["question"] for c in info["chats"]] == ["Earlier question 1", "Earlier question 0"]
    assert [t["subject"] for t in info["tickets"]] == ["Earlier ticket 1", "Earlier ticket 0"]
    assert info["tickets"][0]["url"].startswith("/tickets/1")
    # Operators of another department do not learn the chat exists.
    assert as_user(carmen).get(f"/desk/api/chats/{current.pk}/patron").status_code == 404


def test_the_history_costs_the_same_queries_however_long(current, departments, alice, django_assert_max_num_queries):
    client = as_user(alice)
    earlier(departments, 2)
    client.get(f"/desk/api/chats/{current.pk}/patron")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short:
        client.get(f"/desk/api/chats/{current.pk}/patron")
    earlier(departments, 10)
    with CaptureQueriesContext(connection) as long:
        response = client.get(f"/desk/api/chats/{current.pk}/patron")
    assert len(response.json()["chats"]) == 12
    assert len(long) == len(short)


def test_update_corrects_the_patron_and_records_it(current, alice):
    response = as_user(alice).post(
        f"/desk/api/chats/{current.pk}/patron",
        json.dumps({"name": "Patricia Ng", "email": "p.ng@example.org"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["name"] == "Patricia Ng"
    current.refresh_from_db()
    assert (current.patron_name, current.patron_email) == ("Patricia Ng", "p.ng@example.org")
    event = ChatEvent.objects.get(chat=current, kind=ChatEvent.Kind.PATRON_UPDATED)
    assert event.actor == alice and event.detail["patron_email"] == {
        "from": "pat@example.org",
        "to": "p.ng@example.org",
    }
    bad = as_user(alice).post(
        f"/desk/api/chats/{current.pk}/patron",
        json.dumps({"name": "P", "email": "nope"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    current.refresh_from_db()
    assert current.patron_email == "p.ng@example.org"


def test_a_history_link_opens_the_transcript_for_the_department_only(current, departments, alice, carmen):
    services.send_message(chat=current, body="Try ProQuest <script>x</script>", sender="operator", operator=alice)
    page = as_user(alice).get(f"/desk/chats/{current.pk}/transcript")
    assert page.status_code == 200
    assert b"Try ProQuest &lt;script&gt;x&lt;/script&gt;" in page.content
    assert AuditEntry.objects.filter(action="viewed_transcript", object_id=str(current.pk), actor=alice).exists()
    assert as_user(carmen).get(f"/desk/chats/{current.pk}/transcript").status_code == 404


def test_it_names_common_browsers():
    assert browser_summary(FIREFOX) == "Firefox on Windows"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "Version/17.0 Mobile/15E148 Safari/604.1"
    )
    assert browser_summary(iphone) == "Safari on iOS"
    assert browser_summary("") == ""


# --- SMS chats --------------------------------------------------------------------------------


def sms_chat(settings, phone, body, sid):
    """A chat started by a text from `phone`, as the provider's webhook would start it."""
    from chat.sms.base import InboundText
    from chat.sms.services import receive_text

    settings.DESK_SMS_DEPARTMENT = "research"
    return receive_text(provider="twilio", text=InboundText(provider_id=sid, phone=phone, body=body))


def test_an_sms_chat_shows_its_number_and_the_history_of_that_number(settings, departments, alice):
    bring_online(alice)
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    earlier_text = sms_chat(settings, "+16175550100", "Do you have a scanner?", "SM1")
    services.end_chat(chat=earlier_text, ended_by="system")
    sms_chat(settings, "+16175550199", "Someone else's text", "SM2")
    # Staff type a phone number however the patron said it.
    create_ticket(
        question="Scanner follow-up", email="pat@example.org", phone="(617) 555-0100", source="phone", queue=queue
    )
    create_ticket(
        question="With the country code", email="x@example.org", phone="+1 617.555.0100", source="phone", queue=queue
    )
    create_ticket(question="Another number", email="pat@example.org", phone="617-555-0199", source="phone", queue=queue)
    current = sms_chat(settings, "+16175550100", "Is the scanner free now?", "SM3")
    services.claim_chat(chat_id=current.pk, operator=alice)

    info = as_user(alice).get(f"/desk/api/chats/{current.pk}/patron").json()

    assert (info["phone"], info["email"]) == ("+16175550100", "")
    assert [c["question"] for c in info["chats"]] == ["Do you have a scanner?"]
    assert sorted(t["subject"] for t in info["tickets"]) == ["Scanner follow-up", "With the country code"]


def test_a_web_chat_has_no_phone_and_matches_by_email_only(current, departments, alice):
    earlier(departments, 1)
    info = as_user(alice).get(f"/desk/api/chats/{current.pk}/patron").json()
    assert info["phone"] == ""
    assert len(info["chats"]) == 1 and len(info["tickets"]) == 1
