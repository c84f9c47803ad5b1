"""Creating tickets. The full ticket workflow (replies, assignment, referral) builds on this."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tickets.models import Queue, Ticket


class TicketError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def default_queue_for(department=None) -> Queue:
    queue = None
    if department is not None:
        queue = Queue.objects.filter(department=department).order_by("id").first()
    queue = queue or Queue.objects.filter(is_default=True).first() or Queue.objects.order_by("id").first()
    if queue is None:
        raise TicketError("The desk has no ticket queue yet; a supervisor must create one in admin.")
    return queue


def create_ticket(
    *,
    question: str,
    email: str,
    source: str,
    name: str = "",
    phone: str = "",
    queue=None,
    department=None,
    subject: str = "",
) -> Ticket:
    """Open a ticket for follow-up by email. The email address is required and validated."""
    question = (question or "").strip() if isinstance(question, str) else ""
    if not question:
        raise TicketError("Please write your question.", field="question")
    if len(question) > 10000:
        raise TicketError("The question is too long (at most 10,000 characters).", field="question")
    email = (email or "").strip() if isinstance(email, str) else ""
    try:
        validate_email(email)
    except ValidationError:
        raise TicketError("An email address is needed so that we can reply.", field="email") from None
    # Subjects end up in mail headers: no line breaks may reach them.
    subject = " ".join((subject or question).split())[:120]
    with transaction.atomic():
        return Ticket.objects.create(
            queue=queue or default_queue_for(department),
            source=source,
            subject=subject,
            question=question,
            patron_name=" ".join((name or "").split())[:100],
            patron_email=email,
            patron_phone=(phone or "").strip()[:30],
        )
