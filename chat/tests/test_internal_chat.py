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


def test_it_counts_unread_messages_until_read(alice, bob):
    conversation = internal_chat.direct_conversation(user=alice, other=bob)
    internal_chat.send_internal_message(conversation=conversation, author=alice, body="One")
    last = internal_chat.send_internal_message(conversation=conversation, author=alice, body="Two")
    assert internal_chat.conversations_for(bob)[0]["unread"] == 2
    assert internal_chat.conversations_for(alice)[0]["unread"] == 0
    internal_chat.mark_read(conversation=conversation, user=bob, up_to=last.id)
    assert internal_chat.conversations_for(bob)[0]["unread"] == 0


def test_it_never_puts_internal_messages_in_a_patron_chat(active_chat, alice, bob):
    conversation = internal_chat.direct_conversation(user=alice, other=bob)
    internal_chat.send_internal_message(conversation=conversation, author=alice, body="Patron seems upset")
    assert not Message.objects.filter(body__contains="upset").exists()
    assert InternalMessage.objects.count() == 1


def test_it_lists_conversations_in_a_fixed_number_of_queries(alice, bob, carmen, departments,
                                                              django_assert_max_num_queries):
    for other in (bob, carmen):
        conversation = internal_chat.direct_conversation(user=alice, other=other)
        for n in range(3):
            internal_chat.send_internal_message(conversation=conversation, author=other, body=f"m{n}")
    with django_assert_max_num_queries(3):
        rows = internal_chat.conversations_for(alice)
    assert sorted(r["unread"] for r in rows) == [3, 3]
