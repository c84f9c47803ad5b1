"""The audit log: each audited action writes its row, and no one can change or remove one (issue 8)."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from chat import services as chat_services
from chat import transfers
from conftest import bring_online
from deskservice.models import AuditEntry
from tickets import services as ticket_services
from tickets.models import Queue

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def entries(action):
    return list(AuditEntry.objects.filter(action=action).values_list("actor_name", "object_type", "object_id"))


@pytest.fixture
def active_chat(departments, alice, bob):
    bring_online(alice)
    bring_online(bob)
    chat, _ = chat_services.start_chat(department=departments["research"], question="Old maps?", email="p@example.org")
    return chat_services.claim_chat(chat_id=chat.pk, operator=alice)


def test_a_transfer_a_reassignment_and_a_close_are_recorded(active_chat, alice, bob, barb, location):
    transfer = transfers.request_transfer(chat=active_chat, from_operator=alice, to_operator=bob)
    transfers.accept_transfer(transfer_id=transfer.pk, operator=bob)
    assert entries(Action.TRANSFERRED_CHAT) == [("alice", "chat", str(active_chat.pk))]

    bring_online(barb)
    transfers.reassign_chat(chat=active_chat, supervisor=barb, to_operator=alice)
    assert entries(Action.REASSIGNED_CHAT) == [("barb", "chat", str(active_chat.pk))]

    active_chat.refresh_from_db()
    chat_services.end_chat(chat=active_chat, ended_by="operator", operator=alice)
    from analytics.services import record_chat_interaction

    record_chat_interaction(chat=active_chat, operator=alice, location=location, mode="chat", duration_minutes=4)
    chat_services.close_chat(chat=active_chat, operator=alice)
    assert entries(Action.CLOSED_CHAT) == [("alice", "chat", str(active_chat.pk))]


def test_ticket_queue_and_assignee_changes_are_recorded(departments, alice, carmen):
    research = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    ideas = Queue.objects.create(name="IDEAS", slug="ideas")
    ticket = ticket_services.create_ticket(question="3D printing?", email="p@example.org", source="phone")
    ticket_services.transfer_ticket(ticket=ticket, operator=alice, queue=ideas, assignee=carmen)
    queue_change = AuditEntry.objects.get(action=Action.CHANGED_TICKET_QUEUE)
    assert (queue_change.actor, queue_change.detail) == (alice, {"old": research.pk, "new": ideas.pk})
    assignee_change = AuditEntry.objects.get(action=Action.CHANGED_TICKET_ASSIGNEE)
    assert assignee_change.detail == {"old": None, "new": carmen.pk}
    assert assignee_change.object_id == str(ticket.pk)


def test_viewing_a_transcript_and_exporting_are_recorded(active_chat, client, alice, lena, sue):
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    ticket = ticket_services.create_ticket_from_chat(
        chat=active_chat, operator=alice, queue=queue, email="p@example.org"
    )
    client.force_login(alice)
    assert client.get(f"/tickets/{ticket.number}/").status_code == 200
    assert entries(Action.VIEWED_TRANSCRIPT) == [("alice", "chat", str(active_chat.pk))]

    client.force_login(sue)
    assert client.get(f"/admin/chat/chat/{active_chat.pk}/change/").status_code == 200
    assert ("sue", "chat", str(active_chat.pk)) in entries(Action.VIEWED_TRANSCRIPT)

    client.force_login(lena)
    response = client.get("/analytics/reports/interactions.csv?department=" + str(active_chat.department_id))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    export = AuditEntry.objects.get(action=Action.EXPORTED)
    assert (export.actor, export.object_type) == (lena, "interactions")

    client.force_login(sue)
    response = client.post("/admin/chat/chat/", {"action": "export_to_csv", "_selected_action": [str(active_chat.pk)]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("id,department") and str(active_chat.pk) in rows[1]
    assert AuditEntry.objects.filter(action=Action.EXPORTED, object_type="chat", actor=sue).exists()


def test_entries_cannot_be_changed_or_deleted(alice):
    entry = AuditEntry.objects.create(actor=alice, actor_name="alice", action=Action.EXPORTED, object_type="x")
    entry.detail = {"forged": True}
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    # Below the ORM, PostgreSQL's trigger refuses too.
    for sql in ("UPDATE deskservice_auditentry SET actor_name = 'mallory'", "DELETE FROM deskservice_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).actor_name == "alice"


def test_deleting_an_account_keeps_its_entries_with_the_name(client, sam, departments):
    from conftest import _make_user

    leaver = _make_user("leaver", "Lee")
    entry = AuditEntry.objects.create(actor=leaver, actor_name="leaver", action=Action.EXPORTED, object_type="x")
    client.force_login(sam)
    response = client.post(f"/admin/deskservice/user/{leaver.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.actor_id, kept.actor_name, kept.action, kept.object_type) == (None, "leaver", Action.EXPORTED, "x")


def test_the_trigger_lets_only_the_actor_go_and_nothing_else_change(alice, bob):
    entry = AuditEntry.objects.create(actor=alice, actor_name="alice", action=Action.EXPORTED, object_type="x")
    for sql in (
        # Nulling the actor together with another column is still a rewrite.
        "UPDATE deskservice_auditentry SET actor_id = NULL, actor_name = 'mallory'",
        "UPDATE deskservice_auditentry SET actor_id = NULL, detail = '{\"forged\": true}'",
        "UPDATE deskservice_auditentry SET actor_id = NULL, at = now() - interval '1 year'",
        # Pointing the entry at somebody else.
        f"UPDATE deskservice_auditentry SET actor_id = {bob.pk}",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.actor_id, kept.actor_name, kept.detail) == (alice.pk, "alice", {})


def test_the_admin_shows_entries_read_only_even_to_superusers(client, sam, alice):
    entry = AuditEntry.objects.create(actor=alice, actor_name="alice", action=Action.EXPORTED, object_type="x")
    client.force_login(sam)
    assert client.get("/admin/deskservice/auditentry/").status_code == 200
    page = client.get(f"/admin/deskservice/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get(f"/admin/deskservice/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/deskservice/auditentry/add/").status_code == 403
