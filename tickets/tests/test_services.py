"""The ticket services: each rule, each history row, each queued email."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from chat import services as chat_services
from chat.models import Chat, Message
from tickets import services
from tickets.models import OutgoingEmail, Ticket, TicketChange, TicketMessage

pytestmark = pytest.mark.django_db


def changes(ticket):
    return list(TicketChange.objects.filter(ticket=ticket).values_list("field", "old_value", "new_value"))


# --- Opening --------------------------------------------------------------------------------


def test_it_numbers_tickets_and_writes_the_created_row(phone_ticket, alice):
    assert phone_ticket.number == phone_ticket.pk + 10000
    assert str(phone_ticket).startswith(f"#{phone_ticket.number} ")
    assert phone_ticket.status == Ticket.Status.OPEN and phone_ticket.version == 1
    change = TicketChange.objects.get(ticket=phone_ticket)
    assert (change.field, change.new_value, change.actor) == ("created", "Phone", alice)
    assert not OutgoingEmail.objects.filter(ticket=phone_ticket).exists()  # Phone tickets are not acknowledged.


def test_it_requires_a_valid_email_and_a_question(queues):
    with pytest.raises(services.TicketError) as error:
        services.create_ticket(question="Hours?", email="not-an-email", source="phone")
    assert error.value.field == "email"
    with pytest.raises(services.TicketError) as error:
        services.create_ticket(question="   ", email="pat@example.org", source="phone")
    assert error.value.field == "question"
    with pytest.raises(services.TicketError, match="at most 10,000"):
        services.create_ticket(question="x" * 10001, email="pat@example.org", source="phone")
    assert not Ticket.objects.exists()


def test_it_refuses_an_email_with_a_line_break_and_flattens_names_and_subjects(queues):
    with pytest.raises(services.TicketError):
        services.create_ticket(question="Hi", email="pat@example.org\r\nBcc: all@example.org", source="phone")
    ticket = services.create_ticket(
        question="Hours?",
        email="pat@example.org",
        name="Pat\r\nBcc: all@example.org",
        subject="Hours\r\nX: y",
        source="phone",
    )
    assert ticket.patron_name == "Pat Bcc: all@example.org"
    assert ticket.subject == "Hours X: y"


def test_it_puts_new_tickets_in_access_services_by_default(queues):
    ticket = services.create_ticket(question="Renew my books", email="pat@example.org", source="walk_in")
    assert ticket.queue == queues["access"]


def test_it_acknowledges_widget_tickets_once_after_commit(queues, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = services.create_ticket(question="Hours?", email="pat@example.org", source=Ticket.Source.WIDGET)
    ack = OutgoingEmail.objects.get(ticket=ticket)
    assert (ack.kind, ack.to_email, ack.status) == ("acknowledgement", "pat@example.org", "pending")
    assert callbacks, "the send task is queued on commit"
    with pytest.raises(IntegrityError), transaction.atomic():  # The database refuses a second acknowledgement.
        OutgoingEmail.objects.create(ticket=ticket, kind="acknowledgement", to_email="x@example.org", message_id="<x>")


def test_it_keeps_the_internal_note_and_the_assignee_given_at_creation(queues, alice, bob):
    ticket = services.create_ticket(
        question="Needs a subject specialist",
        email="pat@example.org",
        source="phone",
        queue=queues["research"],
        operator=alice,
        assignee=bob,
        note="Pat prefers a call back after 3pm.",
    )
    assert ticket.assignee == bob
    note = TicketMessage.objects.get(ticket=ticket)
    assert (note.kind, note.author, note.body) == ("note", alice, "Pat prefers a call back after 3pm.")
    assert ("assignee", "", "Bob") in changes(ticket)


def test_it_refuses_to_assign_to_someone_who_is_not_an_operator(queues, alice, stranger):
    with pytest.raises(services.TicketError, match="not an operator"):
        services.create_ticket(question="Q", email="pat@example.org", source="phone", operator=alice, assignee=stranger)


# --- From a chat --------------------------------------------------------------------------------


def test_it_creates_a_ticket_from_a_chat_and_tells_the_patron(active_chat, alice, bob, queues):
    chat_services.send_message(
        chat=active_chat, body="Let me check with a specialist.", sender="operator", operator=alice
    )
    ticket = services.create_ticket_from_chat(
        chat=active_chat,
        operator=alice,
        queue=queues["research"],
        assignee=bob,
        note="Needs the climate LibGuide.",
        email=active_chat.patron_email,
        name=active_chat.patron_name,
    )
    assert ticket.chat == active_chat and ticket.source == Ticket.Source.CHAT
    assert (ticket.patron_name, ticket.patron_email, ticket.question) == (
        "Pat Patron",
        "pat@example.org",
        active_chat.question,
    )
    told = Message.objects.filter(chat=active_chat, sender="system").last()
    assert f"ticket #{ticket.number}" in told.body and "by email to pat@example.org" in told.body
    assert TicketMessage.objects.get(ticket=ticket, kind="note").body == "Needs the climate LibGuide."
    assert not OutgoingEmail.objects.filter(ticket=ticket).exists()  # The patron was told in the chat.


def test_it_makes_one_ticket_per_chat(active_chat, alice, queues):
    first = services.create_ticket_from_chat(
        chat=active_chat, operator=alice, queue=queues["access"], email="pat@example.org"
    )
    with pytest.raises(services.TicketConflict, match=f"#{first.number}"):
        services.create_ticket_from_chat(
            chat=active_chat, operator=alice, queue=queues["access"], email="pat@example.org"
        )
    assert Ticket.objects.filter(chat=active_chat).count() == 1


def test_it_lets_only_operators_of_the_chat_department_create_its_ticket(active_chat, carmen, bob, queues):
    with pytest.raises(services.NotAllowed):
        services.create_ticket_from_chat(
            chat=active_chat, operator=carmen, queue=queues["access"], email="pat@example.org"
        )
    # Bob is in the chat's department: he may, after Alice's chat ended.
    chat_services.end_chat(chat=active_chat, ended_by="patron")
    assert services.create_ticket_from_chat(
        chat=active_chat, operator=bob, queue=queues["access"], email="pat@example.org"
    )


def test_it_marks_tickets_from_sms_chats_as_sms(active_chat, alice, queues):
    Chat.objects.filter(pk=active_chat.pk).update(source=Chat.Source.SMS)
    active_chat.refresh_from_db()
    ticket = services.create_ticket_from_chat(
        chat=active_chat, operator=alice, queue=queues["access"], email="pat@example.org", phone="+16179347876"
    )
    assert ticket.source == Ticket.Source.SMS and ticket.patron_phone == "+16179347876"


# --- Working ---------------------------------------------------------------------------------


def test_it_sends_a_reply_and_waits_for_the_patron(phone_ticket, alice):
    reply = services.reply_to_ticket(
        ticket=phone_ticket, operator=alice, body="Second floor, by the atlases.", expected_version=1
    )
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == Ticket.Status.PENDING and phone_ticket.version == 2
    assert reply.kind == "reply" and reply.to_email == "pat@example.org" and reply.message_id.startswith("<")
    email = OutgoingEmail.objects.get(ticket=phone_ticket)
    assert (email.kind, email.ticket_message, email.message_id) == ("reply", reply, reply.message_id)
    assert ("status", "Open", "Pending") in changes(phone_ticket)


def test_it_submits_as_closed_in_one_step(phone_ticket, alice):
    services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="Done.", close=True, expected_version=1)
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == Ticket.Status.CLOSED and phone_ticket.closed_at is not None
    assert ("status", "Open", "Closed") in changes(phone_ticket)


def test_it_reopens_a_closed_ticket_when_an_operator_follows_up(phone_ticket, alice):
    services.change_ticket_status(ticket=phone_ticket, operator=alice, status="closed")
    services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="One more thing.")
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "pending" and phone_ticket.closed_at is None
    assert changes(phone_ticket)[-2:] == [("status", "Closed", "Open"), ("status", "Open", "Pending")]


def test_it_follows_the_status_flow(phone_ticket, alice):
    services.change_ticket_status(ticket=phone_ticket, operator=alice, status="pending")
    services.change_ticket_status(ticket=phone_ticket, operator=alice, status="closed")
    with pytest.raises(services.TicketError, match="closed ticket cannot become pending"):
        services.change_ticket_status(ticket=phone_ticket, operator=alice, status="pending")
    with pytest.raises(services.TicketError):
        services.change_ticket_status(ticket=phone_ticket, operator=alice, status="archived")
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "closed"


def test_it_refuses_a_change_made_on_an_old_version_and_says_who_changed_it(phone_ticket, alice, bob):
    services.add_internal_note(ticket=phone_ticket, operator=bob, body="I called Pat back.")
    with pytest.raises(services.TicketConflict, match="Bob added an internal note while you were working"):
        services.reply_to_ticket(ticket=phone_ticket, operator=alice, body="Hello", expected_version=1)
    assert not TicketMessage.objects.filter(kind="reply").exists()
    assert not OutgoingEmail.objects.exists()


def test_it_keeps_internal_notes_away_from_the_patron(phone_ticket, bob):
    note = services.add_internal_note(ticket=phone_ticket, operator=bob, body="Ask Dana in Maps.")
    assert note.kind == "note" and note.is_internal
    assert not OutgoingEmail.objects.exists()
    with pytest.raises(services.TicketError):
        services.add_internal_note(ticket=phone_ticket, operator=bob, body="  ")


def test_it_refuses_staff_who_are_not_operators(phone_ticket, stranger):
    with pytest.raises(services.NotAllowed):
        services.add_internal_note(ticket=phone_ticket, operator=stranger, body="hi")


def test_it_assigns_and_transfers_with_a_history_row_per_field(phone_ticket, alice, carmen, barb, queues):
    services.transfer_ticket(
        ticket=phone_ticket,
        operator=alice,
        queue=queues["ideas"],
        assignee=carmen,
        note="Carmen knows the 3D printers.",
        expected_version=1,
    )
    phone_ticket.refresh_from_db()
    assert (phone_ticket.queue, phone_ticket.assignee) == (queues["ideas"], carmen)
    assert ("queue", "Research & Instruction", "IDEAS") in changes(phone_ticket)
    assert ("assignee", "", "Carmen") in changes(phone_ticket)
    assert TicketMessage.objects.get(ticket=phone_ticket, kind="note").body == "Carmen knows the 3D printers."
    # Now it is Carmen's: a student assistant cannot take it away from her, a backup supervisor can.
    with pytest.raises(services.TicketError, match="assigned to Carmen; only a supervisor can reassign it"):
        services.transfer_ticket(ticket=phone_ticket, operator=alice, queue=queues["access"], assignee=None)
    # Another queue with nobody chosen: unassigned there.
    services.transfer_ticket(ticket=phone_ticket, operator=barb, queue=queues["access"], assignee=None)
    phone_ticket.refresh_from_db()
    assert phone_ticket.assignee is None and ("assignee", "Carmen", "") in changes(phone_ticket)


def test_it_refers_to_an_external_team_and_may_close(phone_ticket, alice, its):
    services.transfer_ticket(
        ticket=phone_ticket,
        operator=alice,
        queue=phone_ticket.queue,
        team=its,
        note="Loaner laptop from ITS will not charge.",
        close=True,
        expected_version=1,
    )
    phone_ticket.refresh_from_db()
    assert phone_ticket.external_team == its and phone_ticket.status == "closed"
    referral = TicketMessage.objects.get(ticket=phone_ticket, kind="referral")
    assert referral.to_email == "itshelp@its.example.edu" and referral.body.startswith("Loaner laptop")
    email = OutgoingEmail.objects.get(ticket=phone_ticket)
    assert (email.kind, email.to_email) == ("referral", "itshelp@its.example.edu")
    assert ("external_team", "", "ITS") in changes(phone_ticket) and ("status", "Open", "Closed") in changes(
        phone_ticket
    )


def test_it_refuses_an_inactive_team(phone_ticket, alice, its):
    its.active = False
    its.save()
    with pytest.raises(services.TicketError, match="no longer takes referrals"):
        services.transfer_ticket(ticket=phone_ticket, operator=alice, queue=phone_ticket.queue, team=its)


def test_it_takes_a_ticket(phone_ticket, bob):
    services.take_ticket(ticket=phone_ticket, operator=bob, expected_version=1)
    phone_ticket.refresh_from_db()
    assert phone_ticket.assignee == bob


# --- Two operators at once, for real: two threads, two connections, one row --------------------


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_changes_win(departments, alice, bob, carmen):
    from tickets.models import Queue

    queue = Queue.objects.create(name="Research & Instruction", slug="research", department=departments["research"])
    ticket = services.create_ticket(question="Q", email="pat@example.org", source="phone", queue=queue)
    barrier = threading.Barrier(2)
    outcomes = {}

    def assign(operator, to):
        try:
            barrier.wait()
            services.transfer_ticket(ticket=ticket, operator=operator, queue=queue, assignee=to, expected_version=1)
            outcomes[operator.username] = "won"
        except services.TicketConflict as error:
            outcomes[operator.username] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(alice, alice)), threading.Thread(target=assign, args=(bob, bob))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(o == "won" for o in outcomes.values()) == [False, True], outcomes
    loser_message = next(o for o in outcomes.values() if o != "won")
    assert "changed the assignee" in loser_message and "nothing was saved" in loser_message
    ticket.refresh_from_db()
    assert ticket.version == 2
    assert TicketChange.objects.filter(ticket=ticket, field="assignee").count() == 1
