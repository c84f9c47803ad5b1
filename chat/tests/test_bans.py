"""Ban: an operator keeps an abusive patron out for a while; supervisors lift bans (issue 12)."""

import json

import pytest
from django.test import Client

from chat import bans
from chat.models import Ban, Chat
from conftest import bring_online

pytestmark = pytest.mark.django_db
API = "/api/widget/v1"
DESK = "http://127.0.0.1:8000"


def patron(ip):
    return Client(REMOTE_ADDR=ip, HTTP_ORIGIN=DESK)


def start(client, question="Hello"):
    return client.post(
        f"{API}/chats", json.dumps({"department": "research", "question": question}), content_type="application/json"
    )


def staff(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_bans_a_patron_who_is_then_refused_politely(departments, alice, carmen):
    bring_online(alice)
    spammer, neighbour = patron("203.0.113.7"), patron("203.0.113.8")
    started = start(spammer, "BUY CHEAP WATCHES").json()
    chat = Chat.objects.get(pk=started["id"])
    # The chat keeps a keyed hash of the address, not the address.
    assert chat.client_hash and "203.0.113.7" not in chat.client_hash
    assert staff(alice).post(f"/desk/api/chats/{chat.pk}/claim").status_code == 200

    # Only the chat's operator (or a supervisor) may ban; the duration must be one of the choices.
    refused = staff(carmen).post(
        f"/desk/api/chats/{chat.pk}/ban", json.dumps({"duration": "1d"}), content_type="application/json"
    )
    assert refused.status_code == 403
    wrong = staff(alice).post(
        f"/desk/api/chats/{chat.pk}/ban", json.dumps({"duration": "forever"}), content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["field"] == "duration"

    banned = staff(alice).post(
        f"/desk/api/chats/{chat.pk}/ban",
        json.dumps({"duration": "1d", "reason": "spam"}),
        content_type="application/json",
    )
    assert banned.status_code == 201
    chat.refresh_from_db()
    assert chat.status == Chat.Status.ENDED
    ban = Ban.objects.get()
    assert (ban.banned_by, ban.reason, ban.chat) == (alice, "spam", chat) and ban.active

    again = start(spammer)
    assert again.status_code == 403 and "cannot use the library's chat right now" in again.json()["error"]
    ticket = spammer.post(
        f"{API}/tickets",
        json.dumps({"question": "x", "email": "s@example.org"}),
        content_type="application/json",
    )
    assert ticket.status_code == 403
    # Someone else on another address is not affected.
    assert start(neighbour).status_code == 201


def test_a_supervisor_lifts_a_ban_in_the_admin(departments, alice, sue):
    bring_online(alice)
    spammer = patron("198.51.100.4")
    chat = Chat.objects.get(pk=start(spammer).json()["id"])
    staff(alice).post(f"/desk/api/chats/{chat.pk}/claim")
    ban = bans.ban_patron(chat=Chat.objects.get(pk=chat.pk), operator=alice, duration="1w")
    assert start(spammer).status_code == 403

    assert staff(alice).get("/admin/chat/ban/").status_code in (302, 403)
    admin = staff(sue)
    assert admin.get("/admin/chat/ban/").status_code == 200
    response = admin.post("/admin/chat/ban/", {"action": "lift_bans", "_selected_action": [ban.pk]})
    assert response.status_code == 302
    ban.refresh_from_db()
    assert ban.lifted_by == sue and not ban.active
    assert start(spammer).status_code == 201
