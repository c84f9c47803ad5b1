"""Tickets: questions that need follow-up by email, their conversation, history and mail."""

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def new_reply_token() -> str:
    # Part of the reply address (desk+t<token>@...): hard to guess, so a reply that carries
    # it may be threaded into the ticket whoever sends it.
    return secrets.token_hex(10)


class Queue(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    department = models.ForeignKey(
        "deskservice.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queues",
        verbose_name=_("department"),
    )
    is_default = models.BooleanField(
        _("default queue"), default=False, help_text=_("New tickets go here unless another queue is chosen.")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="ticket_queues", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
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
        raise ValidationError(_("This is not a valid regular expression: %(error)s.") % {"error": error}) from None


class ExternalTeam(models.Model):
    """A help desk outside the library (ITS, the law library) that tickets can be referred to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    email = models.EmailField(
        pgettext_lazy("address", "email"), help_text=_("The team's help-desk address; referrals are emailed here.")
    )
    incident_pattern = models.CharField(
        _("incident pattern"),
        max_length=200,
        blank=True,
        validators=[validate_incident_pattern],
        help_text=_(r"Regular expression for the team's incident numbers, e.g. INC\d{7}."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("external team")
        verbose_name_plural = _("external teams")

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
        OPEN = "open", pgettext_lazy("ticket status", "Open")
        PENDING = "pending", pgettext_lazy("ticket status", "Pending")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")

    # The status flow, written once. Pending waits for the patron; their reply reopens it.
    TRANSITIONS = {
        Status.OPEN: {Status.PENDING, Status.CLOSED},
        Status.PENDING: {Status.OPEN, Status.CLOSED},
        Status.CLOSED: {Status.OPEN},
    }

    class Source(models.TextChoices):
        CHAT = "chat", _("Chat")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone")
        WALK_IN = "walk_in", _("Walk-in")
        EMAIL = "email", pgettext_lazy("how a question arrived", "Email")
        WIDGET = "widget", _("Widget form")

    # Short human numbers (#10234) come from the primary key, offset so they look like ticket numbers.
    NUMBER_OFFSET = 10000

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("assignee"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    subject = models.CharField(_("subject"), max_length=200)
    question = models.TextField(_("question"))
    patron_name = models.CharField(_("patron name"), max_length=100, blank=True)
    patron_email = models.EmailField(_("patron email"))
    patron_phone = models.CharField(_("patron phone"), max_length=30, blank=True)
    # The patron's language (settings.LANGUAGES): the desk's emails to them are written in it.
    language = models.CharField(_("language"), max_length=10, default="en")
    # Set when the retention run (or an erasure request) removed the patron's data.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    chat = models.ForeignKey(
        "chat.Chat",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=pgettext_lazy("a patron chat", "chat"),
    )
    external_team = models.ForeignKey(
        ExternalTeam,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("external team"),
    )
    incident_number = models.CharField(_("incident number"), max_length=50, blank=True)
    # Message-ID of the email that opened the ticket, so that replies to it thread in.
    source_message_id = models.CharField(_("source Message-ID"), max_length=255, blank=True)
    reply_token = models.CharField(
        _("reply token"), max_length=32, unique=True, default=new_reply_token, editable=False
    )
    # Every change increments it; a form posted with an older version is refused instead of
    # overwriting what another operator did meanwhile.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["queue", "status"], name="ticket_queue_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["-updated_at"], name="ticket_updated"),
            models.Index(fields=["patron_email"], name="ticket_patron_email"),
            # Lists and the dashboard's counts are about open work: a third of the tickets, and a
            # smaller share as years of closed ones pile up (bench/pages_bench.py, docs/performance.md).
            models.Index(fields=["-updated_at", "-id"], condition=~Q(status="closed"), name="ticket_open_by_update"),
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
        PATRON = "patron", _("Patron email")
        REPLY = "reply", pgettext_lazy("noun: a reply to the patron", "Reply")
        NOTE = "note", _("Internal note")
        REFERRAL = "referral", _("Referral")
        EXTERNAL = "external", _("External team email")
        BOUNCE = "bounce", _("Delivery failure")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    from_name = models.CharField(_("from (name)"), max_length=100, blank=True)
    from_email = models.EmailField(_("from (email)"), blank=True)
    to_email = models.EmailField(_("to (email)"), blank=True)
    body = models.TextField(_("text"))
    # The quoted history below an emailed reply, kept but folded away on the ticket page.
    quoted = models.TextField(_("quoted text"), blank=True)
    # RFC 5322 Message-ID, ours for mail we send, theirs for mail we receive; replies thread by it.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    automatic = models.BooleanField(
        _("automatic"), default=False, help_text=_("An automatic reply (out of office, help-desk receipt).")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self):
        return f"{self.get_kind_display()} on #{self.ticket.number}"

    @property
    def is_internal(self) -> bool:
        return self.kind in {self.Kind.NOTE, self.Kind.REFERRAL, self.Kind.EXTERNAL, self.Kind.BOUNCE}


class TicketAttachment(models.Model):
    """A file that came with an email, stored under PRIVATE_STORAGE_ROOT and served only as a download."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket"))
    # Empty for files that came with the email that opened the ticket.
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("message"),
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    path = models.CharField(_("path"), max_length=200, unique=True, help_text=_("Relative to PRIVATE_STORAGE_ROOT."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")

    def __str__(self):
        return self.filename


class TicketChange(models.Model):
    """An audit row for every change of a ticket's fields; the history lists these."""

    class Field(models.TextChoices):
        CREATED = "created", pgettext_lazy("a ticket was created", "Created")
        STATUS = "status", _("Status")
        QUEUE = "queue", _("Queue")
        ASSIGNEE = "assignee", _("Assignee")
        EXTERNAL_TEAM = "external_team", _("External team")
        INCIDENT_NUMBER = "incident_number", _("Incident number")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="changes", verbose_name=_("ticket"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("actor")
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("old value"), max_length=200, blank=True)
    new_value = models.CharField(_("new value"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket change")
        verbose_name_plural = _("ticket changes")

    def __str__(self):
        return f"#{self.ticket.number} {self.field}: {self.old_value} -> {self.new_value}"

    # Status and source labels are stored as the desk's language writes them (services._record),
    # so that the history reads the same whoever made the change; shown in the reader's language.
    @property
    def shown_old_value(self) -> str:
        return self._shown(self.old_value)

    @property
    def shown_new_value(self) -> str:
        return self._shown(self.new_value)

    def _shown(self, value: str) -> str:
        choices = {self.Field.STATUS: Ticket.Status, self.Field.CREATED: Ticket.Source}.get(self.field)
        if choices is None or not value:
            return value
        with translation.override(settings.LANGUAGE_CODE):
            stored = {str(choice.label): choice for choice in choices}
        choice = stored.get(value)
        return str(choice.label) if choice is not None else value


class OutgoingEmail(models.Model):
    """One email the desk sends about a ticket; the Celery task sends it once."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        REPLY = "reply", pgettext_lazy("noun: a reply to the patron", "Reply")
        REFERRAL = "referral", _("Referral")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("email status", "Pending")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="emails", verbose_name=_("ticket"))
    ticket_message = models.OneToOneField(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email",
        verbose_name=_("ticket message"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    to_email = models.EmailField(_("to (email)"))
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When the task should next try; the outbox sweep (deskservice/outbox.py) reads it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
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
        CREATED = "created", _("Opened a new ticket")
        THREADED = "threaded", _("Added to a ticket")
        AUTOMATIC = "automatic", _("Automatic reply, not threaded")
        BOUNCE = "bounce", _("Delivery failure")
        DUPLICATE = "duplicate", _("Already received")
        LOOP = "loop", _("Our own mail, ignored")
        REJECTED = "rejected", _("Rejected")

    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound", verbose_name=_("ticket")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
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
