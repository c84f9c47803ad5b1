"""The dashboard's HTTP actions, /desk/api/chats/<id>/...: who may press which button."""

import json
import uuid

import pytest

from analytics.models import Interaction
from chat.models import CannedMessage, Chat, Message, TranscriptEmail


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, chat, action, payload=None):
    return client.post(
        f"/desk/api/chats/{chat.pk if hasattr(chat, 'pk') else chat}/{action}",
        json.dumps(payload or {}),
        content_type="application/json",
    )


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- Who may use the desk API --------------------------------------------------------------


def test_it_asks_the_signed_out_to_sign_in(client, waiting_chat):
    for action in ["claim", "canned", "end", "close", "transcript"]:
        assert error_of(post(client, waiting_chat, action), 401) == "Sign in to use the desk."
    assert error_of(client.get(f"/desk/api/chats/{waiting_chat.pk}/canned"), 401) == "Sign in to use the desk."
    assert Chat.objects.get(pk=waiting_chat.pk).status == Chat.Status.WAITING


def test_it_refuses_staff_who_are_not_operators(client, waiting_chat, stranger):
    as_user(client, stranger)
    assert error_of(post(client, waiting_chat, "claim"), 403) == "Only operators of a department can do this."
    assert Chat.objects.get(pk=waiting_chat.pk).status == Chat.Status.WAITING


def test_it_keeps_other_operators_out_of_a_chat(client, active_chat, bob):
    as_user(client, bob)
    for action in ["canned", "end", "close", "transcript"]:
        assert error_of(post(client, active_chat, action), 403) == "This chat belongs to another operator."
    assert error_of(client.get(f"/desk/api/chats/{active_chat.pk}/canned"), 403)
    assert Chat.objects.get(pk=active_chat.pk).status == Chat.Status.ACTIVE


def test_it_answers_404_for_an_unknown_chat(client, alice):
    as_user(client, alice)
    assert error_of(post(client, uuid.uuid4(), "claim"), 404) == "That chat does not exist."
    assert error_of(post(client, "not-a-chat", "end"), 404) == "That chat does not exist."


# --- Claim --------------------------------------------------------------------------------


def test_the_operator_claims_a_waiting_chat(client, waiting_chat, alice):
    response = post(as_user(client, alice), waiting_chat, "claim")
    assert response.status_code == 200
    assert response.json() == {"id": str(waiting_chat.pk), "status": "active"}
    assert Chat.objects.get(pk=waiting_chat.pk).operator == alice


def test_the_second_claim_is_told_who_has_it(client, active_chat, bob):
    response = post(as_user(client, bob), active_chat, "claim")
    assert error_of(response, 409) == "Alice has already claimed this chat."


def test_an_operator_of_another_department_cannot_claim(client, waiting_chat, carmen):
    response = post(as_user(client, carmen), waiting_chat, "claim")
    assert error_of(response, 403) == "You are not an operator of Research & Instruction."


def test_claim_needs_a_post(client, waiting_chat, alice):
    assert as_user(client, alice).get(f"/desk/api/chats/{waiting_chat.pk}/claim").status_code == 405


def test_claim_is_csrf_protected(waiting_chat, alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert post(client, waiting_chat, "claim").status_code == 403
    assert Chat.objects.get(pk=waiting_chat.pk).status == Chat.Status.WAITING


# --- Canned messages ------------------------------------------------------------------------


@pytest.fixture
def canned(departments):
    return {
        "global": CannedMessage.objects.create(title="Hello", body="Hi {patron_name}!", position=1),
        "research": CannedMessage.objects.create(
            title="Databases", body="Try Academic Search, {patron_name}.", department=departments["research"]
        ),
        "ideas": CannedMessage.objects.create(title="Printer", body="3D printing", department=departments["ideas"]),
    }


def test_it_lists_the_departments_and_global_canned_messages(client, active_chat, alice, canned):
    response = as_user(client, alice).get(f"/desk/api/chats/{active_chat.pk}/canned")
    assert response.status_code == 200
    assert response.json()["canned"] == [
        {
            "id": canned["research"].pk,
            "title": "Databases",
            "department": "Research & Instruction",
            "preview": "Try Academic Search, Pat Patron.",
        },
        {"id": canned["global"].pk, "title": "Hello", "department": None, "preview": "Hi Pat Patron!"},
    ]


def test_it_sends_a_canned_message(client, active_chat, alice, canned):
    response = post(as_user(client, alice), active_chat, "canned", {"canned": canned["global"].pk})
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.sender, message.operator, message.body) == ("operator", alice, "Hi Pat Patron!")


@pytest.mark.parametrize("value", [None, "1", True, 1.0])
def test_it_refuses_a_canned_choice_that_is_not_an_id(client, active_chat, alice, canned, value):
    response = post(as_user(client, alice), active_chat, "canned", {"canned": value})
    assert error_of(response, 400) == "Choose a canned message."
    assert response.json()["field"] == "canned"


def test_it_refuses_another_departments_canned_message(client, active_chat, alice, canned):
    response = post(as_user(client, alice), active_chat, "canned", {"canned": canned["ideas"].pk})
    assert error_of(response, 400) == "That canned message does not exist for this department."
    response = post(as_user(client, alice), active_chat, "canned", {"canned": 10**20})
    assert error_of(response, 400) == "That canned message does not exist for this department."
    assert not active_chat.messages.filter(sender="operator").exists()


def test_it_refuses_malformed_json(client, active_chat, alice):
    as_user(client, alice)
    for raw in ["{", "[]", '"x"']:
        response = client.post(f"/desk/api/chats/{active_chat.pk}/canned", raw, content_type="application/json")
        assert response.status_code == 400
        assert "error" in response.json()


def test_it_refuses_text_that_is_not_valid_unicode(client, active_chat, alice):
    response = post(as_user(client, alice), active_chat, "transcript", {"email": "pat\ud800@example.org"})
    assert error_of(response, 400) == "The request body contains text that is not valid Unicode."
    assert not TranscriptEmail.objects.exists()


# --- End, close, transcript -----------------------------------------------------------------


def test_the_operator_ends_then_saves_analytics_then_closes(client, active_chat, alice, location):
    as_user(client, alice)
    assert error_of(post(client, active_chat, "close"), 409) == "End the chat before closing it."

    response = post(client, active_chat, "end")
    assert response.json() == {"id": str(active_chat.pk), "status": "ended"}
    assert error_of(post(client, active_chat, "end"), 409) == "This chat has already ended."
    assert error_of(post(client, active_chat, "close"), 409) == (
        "Save the Reference Analytics for this chat before closing it."
    )

    chat = Chat.objects.get(pk=active_chat.pk)
    Interaction.objects.create(
        chat=chat,
        happened_at=chat.created_at,
        mode="chat",
        location=location,
        duration_minutes=3,
        department=chat.department,
        operator=alice,
    )
    response = post(client, active_chat, "close")
    assert response.status_code == 200
    assert response.json() == {"id": str(active_chat.pk), "closed": True}
    assert Chat.objects.get(pk=active_chat.pk).closed_at is not None


def test_the_operator_emails_the_transcript(client, active_chat, alice):
    as_user(client, alice)
    response = post(client, active_chat, "transcript")
    assert response.status_code == 202
    assert response.json() == {"queued": True, "email": "pat@example.org"}
    response = post(client, active_chat, "transcript", {"email": "librarian@library.example.edu"})
    assert response.json() == {"queued": True, "email": "librarian@library.example.edu"}
    assert list(TranscriptEmail.objects.values_list("to_email", "requested_by")) == [
        ("pat@example.org", "operator"),
        ("librarian@library.example.edu", "operator"),
    ]


def test_it_refuses_a_transcript_to_a_bad_address(client, active_chat, alice):
    response = post(as_user(client, alice), active_chat, "transcript", {"email": "pat at example"})
    assert error_of(response, 400) == "“pat at example” is not a valid email address."
    assert not TranscriptEmail.objects.exists()


def test_a_superuser_cannot_act_in_someone_elses_chat(client, active_chat, sam):
    # Supervisors reassign chats through the transfer tools, never by writing in them.
    assert error_of(post(as_user(client, sam), active_chat, "end"), 403) == "This chat belongs to another operator."
    assert Chat.objects.get(pk=active_chat.pk).status == Chat.Status.ACTIVE
