"""Make FAQ from a chat's transcript page: a good staff answer becomes an FAQ in two clicks."""

import pytest

from chat import services
from chat.models import Message

pytestmark = pytest.mark.django_db


def test_it_offers_make_faq_on_the_staff_answers_of_a_transcript(client, active_chat, alice):
    services.send_message(chat=active_chat, body="Which journal?", sender="patron")
    services.send_message(chat=active_chat, body="Use the A-Z journal list.", sender="operator", operator=alice)
    answer = Message.objects.get(chat=active_chat, sender="operator")
    client.force_login(alice)

    page = client.get(f"/desk/chats/{active_chat.pk}/transcript").content.decode()

    make = f"/faq/new/?chat={active_chat.pk}&amp;message={answer.pk}"
    assert f'href="{make}">Make FAQ</a>' in page
    assert page.count(">Make FAQ</a>") == 1  # the patron's line and the desk's notes have none
    form = client.get(make.replace("&amp;", "&")).context["form"]
    assert (form["question"].value(), form["answer"].value()) == (active_chat.question, "Use the A-Z journal list.")


def test_the_ticket_a_chat_became_keeps_make_faq_on_its_transcript(client, active_chat, alice, settings, tmp_path):
    from tickets import services as ticket_services
    from tickets.models import Queue

    settings.PRIVATE_STORAGE_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.send_message(chat=active_chat, body="Use the A-Z journal list.", sender="operator", operator=alice)
    answer = Message.objects.get(chat=active_chat, sender="operator")
    queue = Queue.objects.create(name="Research", slug="research", department=alice.departments.get())
    ticket = ticket_services.create_ticket_from_chat(
        chat=active_chat, operator=alice, queue=queue, email="p@example.org"
    )
    client.force_login(alice)

    page = client.get(f"/tickets/{ticket.number}/").content.decode()

    assert f'href="/faq/new/?chat={active_chat.pk}&amp;message={answer.pk}">Make FAQ</a>' in page
