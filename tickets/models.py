"""Tickets: questions that need follow-up by email, their conversation, history and mail."""

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_reply_token() -> str:
    # Part of the reply address (desk+t<token>@...): hard to guess, so a reply that carries
    # it may be threaded into the ticket whoever sends it.
    return secrets.token_hex(10)


class Queue(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    department = models.ForeignKey(
        "deskservice.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="queues"
    )
    is_default = models.BooleanField(default=False, help_text="New tickets go here unless another queue is chosen.")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="ticket_queues")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_queue"
            )
        ]

    def __str__(self):
        return self.name


def validate_incident_pattern(value: str) -> None:
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(f"This is not a valid regular expression: {error}.") from None


class ExternalTeam(models.Model):
    """A help desk outside the library (ITS, the law library) that tickets can be referred to."""

    name = models.CharField(max_length=100, unique=True)
    email = models.EmailField(help_text="The team's help-desk address; referrals are emailed here.")
    incident_pattern = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_incident_pattern],
        help_text=r"Regular expression for the team's incident numbers, e.g. INC\d{7}.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def find_incident_number(self, *texts: str) -> str:
        if not self.incident_pattern:
            return ""
        pattern = re.compile(self.incident_pattern)
        for text in texts:
            match = pattern.search(text or "")
            if match:
                return match.group(0)[:50]
        return ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        CLOSED = "closed", "Closed"

    # The status flow, written once. Pending waits for the patron; their reply reopens it.
    TRANSITIONS = {
        Status.OPEN: {Status.PENDING, Status.CLOSED},
        Status.PENDING: {Status.OPEN, Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }

    class Source(models.TextChoices):
        CHAT = "chat", "Chat"
        SMS = "sms", "SMS"
        PHONE = "phone", "Phone"
        WALK_IN = "walk_in", "Walk-in"
        EMAIL = "email", "Email"
        WIDGET = "widget", "Widget form"

    # Short human numbers (#10234) come from the primary key, offset so they look like ticket numbers.
    NUMBER_OFFSET = 10000

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=10, choices=Source.choices)
    subject = models.CharField(max_length=200)
    question = models.TextField()
    patron_name = models.CharField(max_length=100, blank=True)
    patron_email = models.EmailField()
    patron_phone = models.CharField(max_length=30, blank=True)
    # The patron's language (settings.LANGUAGES): the desk's emails to them are written in it.
    language = models.CharField(max_length=10, default="en")
    # Set when the retention run (or an erasure request) removed the patron's data.
    anonymised_at = models.DateTimeField(null=True, blank=True)
    chat = models.ForeignKey("chat.Chat", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    external_team = models.ForeignKey(
        ExternalTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    incident_number = models.CharField(max_length=50, blank=True)
    # Message-ID of the email that opened the ticket, so that replies to it thread in.
    source_message_id = models.CharField(max_length=255, blank=True)
    reply_token = models.CharField(max_length=32, unique=True, default=new_reply_token, editable=False)
    # Every change increments it; a form posted with an older version is refused instead of
    # overwriting what another operator did meanwhile.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["queue", "status"], name="ticket_queue_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["-updated_at"], name="ticket_updated"),
            models.Index(fields=["patron_email"], name="ticket_patron_email"),
            # Lists and the dashboard's counts are about open work: a third of the tickets, and a
            # smaller share as years of closed ones pile up (bench/pages_bench.py, docs/performance.md).
            models.Index(
                fields=["-updated_at", "-id"], condition=~Q(status="closed"), name="ticket_open_by_update"
            ),
            models.Index(
                fields=["assignee", "queue", "external_team"], condition=~Q(status="closed"), name="ticket_open_counts"
            ),
        ]
        # Word search also has trigram indexes on PostgreSQL (migration 0006_ticket_search_indexes).
        permissions = [("reassign_ticket", "Can reassign any ticket to another operator or queue")]
        constraints = [
            # One ticket per chat: Create Ticket pressed twice must not open two.
            models.UniqueConstraint(fields=["chat"], condition=Q(chat__isnull=False), name="one_ticket_per_chat"),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(closed_at__isnull=True), name="ticket_closed_at_only_when_closed"
            ),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"

    @property
    def number(self):
        return self.pk + self.NUMBER_OFFSET if self.pk else None

    @classmethod
    def pk_from_number(cls, number: int) -> int:
        return int(number) - cls.NUMBER_OFFSET

    def can_move_to(self, status) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def patron_label(self):
        return self.patron_name or self.patron_email


class TicketMessage(models.Model):
    """One entry of a ticket's conversation: mail both ways and internal notes."""

    class Kind(models.TextChoices):
        PATRON = "patron", "Patron email"
        REPLY = "reply", "Reply"
        NOTE = "note", "Internal note"
        REFERRAL = "referral", "Referral"
        EXTERNAL = "external", "External team email"
        BOUNCE = "bounce", "Delivery failure"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_name = models.CharField(max_length=100, blank=True)
    from_email = models.EmailField(blank=True)
    to_email = models.EmailField(blank=True)
    body = models.TextField()
    # The quoted history below an emailed reply, kept but folded away on the ticket page.
    quoted = models.TextField(blank=True)
    # RFC 5322 Message-ID, ours for mail we send, theirs for mail we receive; replies thread by it.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    automatic = models.BooleanField(default=False, help_text="An automatic reply (out of office, help-desk receipt).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on #{self.ticket.number}"

    @property
    def is_internal(self) -> bool:
        return self.kind in {self.Kind.NOTE, self.Kind.REFERRAL, self.Kind.EXTERNAL, self.Kind.BOUNCE}


class TicketAttachment(models.Model):
    """A file that came with an email, stored under PRIVATE_STORAGE_ROOT and served only as a download."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    # Empty for files that came with the email that opened the ticket.
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200, unique=True, help_text="Relative to PRIVATE_STORAGE_ROOT.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.filename


class TicketChange(models.Model):
    """An audit row for every change of a ticket's fields; the history lists these."""

    class Field(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status"
        QUEUE = "queue", "Queue"
        ASSIGNEE = "assignee", "Assignee"
        EXTERNAL_TEAM = "external_team", "External team"
        INCIDENT_NUMBER = "incident_number", "Incident number"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    field = models.CharField(max_length=20, choices=Field.choices)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"#{self.ticket.number} {self.field}: {self.old_value} -> {self.new_value}"


class OutgoingEmail(models.Model):
    """One email the desk sends about a ticket; the Celery task sends it once."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        REPLY = "reply", "Reply"
        REFERRAL = "referral", "Referral"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="emails")
    ticket_message = models.OneToOneField(
        TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="email"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to_email = models.EmailField()
    message_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the task should next try; the outbox sweep (deskservice/outbox.py) reads it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(kind="acknowledgement"), name="one_acknowledgement_per_ticket"
            )
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="ticket_email_pending_due")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for #{self.ticket.number} to {self.to_email} ({self.status})"


class InboundEmail(models.Model):
    """What became of every message handed to the desk (command or HTTP endpoint)."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Opened a new ticket"
        THREADED = "threaded", "Added to a ticket"
        AUTOMATIC = "automatic", "Automatic reply, not threaded"
        BOUNCE = "bounce", "Delivery failure"
        DUPLICATE = "duplicate", "Already received"
        LOOP = "loop", "Our own mail, ignored"
        REJECTED = "rejected", "Rejected"

    message_id = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # A mail server that delivers the same message twice must not add it twice.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id="") & ~Q(outcome__in=["duplicate", "rejected"]),
                name="inbound_message_once",
            )
        ]

    def __str__(self):
        return f"{self.sender}: {self.subject} ({self.outcome})"
