"""Tickets: questions that need follow-up by email."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        CLOSED = "closed", "Closed"

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
    chat = models.ForeignKey("chat.Chat", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["queue", "status"], name="ticket_queue_status")]

    def __str__(self):
        return f"#{self.number} {self.subject}"

    @property
    def number(self):
        return self.pk + self.NUMBER_OFFSET if self.pk else None
