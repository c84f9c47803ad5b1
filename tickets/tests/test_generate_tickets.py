import io

from django.core.management import call_command

from tickets.models import Queue, Ticket, TicketChange


def test_it_generates_tickets_with_their_conversation_and_history(db):
    call_command("generate_tickets", count=60, stdout=io.StringIO())

    assert Ticket.objects.count() == 60
    assert Queue.objects.filter(is_default=True).count() == 1
    assert set(Ticket.objects.values_list("status", flat=True)) <= {"open", "pending", "closed"}
    assert not Ticket.objects.filter(status="closed", closed_at__isnull=True).exists()
    assert TicketChange.objects.filter(field="created").count() == 60
    assert all(ticket.messages.exists() for ticket in Ticket.objects.all())
    assert len(set(Ticket.objects.values_list("reply_token", flat=True))) == 60
