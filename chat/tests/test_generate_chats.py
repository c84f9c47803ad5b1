import io

from django.core.management import call_command

from chat.models import Chat, ChatEvent, Message


def test_it_generates_closed_waiting_and_active_chats_with_their_messages(db):
    call_command("generate_chats", count=30, waiting=3, active=5, stdout=io.StringIO())

    assert Chat.objects.count() == 30
    assert Chat.objects.filter(status="waiting", operator__isnull=True).count() == 3
    assert Chat.objects.filter(status="active", operator__isnull=False, closed_at__isnull=True).count() == 5
    assert Chat.objects.filter(status="ended", closed_at__isnull=False).count() == 22
    assert not Message.objects.filter(chat__status="waiting").exists()
    assert all(chat.messages.count() >= 2 for chat in Chat.objects.exclude(status="waiting"))
    assert ChatEvent.objects.filter(kind="claimed").count() == 27
