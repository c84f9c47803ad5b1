"""Internal chat: one-to-one and department rooms, staff only, with unread counts."""

import pytest

from chat import internal_chat, services
from chat.models import InternalMessage, Message


def test_it_opens_one_direct_conversation_per_pair(alice, bob):
    first = internal_chat.direct_conversation(user=alice, other=bob)
    again = internal_chat.direct_conversation(user=bob, other=alice)
    assert first.pk == again.pk
    assert internal_chat.title_for(first, alice) == "Bob"


def test_it_lets_every_department_member_and_the_asker_see_a_room(alice, bob, carmen, departments):
    room = internal_chat.department_room(user=carmen, department=departments["research"])
    internal_chat.send_internal_message(conversation=room, author=carmen, body="Can I transfer a GIS question?")
    assert set(internal_chat.members(room)) == {alice, bob, carmen}
    reply = internal_chat.send_internal_message(conversation=room, author=bob, body="Yes, send it to me.")
    assert reply.body == "Yes, send it to me."


def test_it_refuses_outsiders(alice, bob, carmen):
    conversation = internal_chat.direct_conversation(user=alice, other=bob)
    with pytest.raises(services.NotAllowed):
        internal_chat.send_internal_message(conversation=conversation, author=carmen, body="Hi")


def unread(user, conversation):
    return next(c["unread"] for c in internal_chat.conversations_for(user) if c["id"] == conversation.pk)


def test_everyone_who_works_the_desk_is_in_the_all_staff_room(
    alice, carmen, sue, stranger, django_capture_on_commit_callbacks
):
    room = internal_chat.all_staff_room()
    assert internal_chat.all_staff_room().pk == room.pk
    # Research, IDEAS and a supervisor: one room across departments; not someone without a role.
    assert set(internal_chat.members(room)) == {alice, carmen, sue}
    for person in (alice, carmen, sue):
        assert {"id": room.pk, "kind": "all", "title": "All staff", "unread": 0} in internal_chat.conversations_for(
            person
        )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        internal_chat.send_internal_message(conversation=room, author=carmen, body="Fire drill at 3 pm")
    assert len(callbacks) == 3  # one event per member's dashboards
    assert unread(alice, room) == 1 and unread(carmen, room) == 0
    with pytest.raises(services.NotAllowed):
        internal_chat.send_internal_message(conversation=room, author=stranger, body="Let me in")


def test_it_counts_unread_messages_until_read(alice, bob):
    conversation = internal_chat.direct_conversation(user=alice, other=bob)
    internal_chat.send_internal_message(conversation=conversation, author=alice, body="One")
    last = internal_chat.send_internal_message(conversation=conversation, author=alice, body="Two")
    assert unread(bob, conversation) == 2
    assert unread(alice, conversation) == 0
    internal_chat.mark_read(conversation=conversation, user=bob, up_to=last.id)
    assert unread(bob, conversation) == 0


def test_it_never_puts_internal_messages_in_a_patron_chat(active_chat, alice, bob):
    conversation = internal_chat.direct_conversation(user=alice, other=bob)
    internal_chat.send_internal_message(conversation=conversation, author=alice, body="Patron seems upset")
    assert not Message.objects.filter(body__contains="upset").exists()
    assert InternalMessage.objects.count() == 1


def test_it_lists_conversations_in_a_fixed_number_of_queries(
    alice, bob, carmen, departments, django_assert_max_num_queries
):
    for other in (bob, carmen):
        conversation = internal_chat.direct_conversation(user=alice, other=other)
        for n in range(3):
            internal_chat.send_internal_message(conversation=conversation, author=other, body=f"m{n}")
    internal_chat.all_staff_room()  # made once, the first time anyone lists their chats
    with django_assert_max_num_queries(3):
        rows = internal_chat.conversations_for(alice)
    assert sorted(r["unread"] for r in rows) == [0, 3, 3]
