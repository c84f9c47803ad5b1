"""Rows of SMS chats: the phone number behind a chat, every text received, every reply sent."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SmsConversation(models.Model):
    """Ties a patron's phone number to their SMS chat.

    `open` is cleared once the chat has ended, so the next text from the number starts a new
    chat; the partial unique constraint keeps one open chat per number even when two texts
    from a new number arrive at the same instant.
    """

    chat = models.OneToOneField("chat.Chat", on_delete=models.CASCADE, related_name="sms")
    phone = models.CharField(max_length=32)
    provider = models.CharField(max_length=20)
    open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=Q(open=True), name="one_open_sms_chat_per_phone")
        ]

    def __str__(self):
        return f"SMS {self.phone} ({'open' if self.open else 'closed'})"


class IncomingSms(models.Model):
    """One text as the provider delivered it. Providers redeliver on timeouts: the id is unique."""

    conversation = models.ForeignKey(SmsConversation, on_delete=models.CASCADE, related_name="incoming")
    message = models.OneToOneField("chat.Message", null=True, on_delete=models.SET_NULL, related_name="incoming_sms")
    provider_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.provider_id


class OutgoingSms(models.Model):
    """A reply to send as a text; the Celery task sends it once and keeps its status."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    conversation = models.ForeignKey(SmsConversation, on_delete=models.CASCADE, related_name="outgoing")
    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="outgoing_sms")
    to_phone = models.CharField(max_length=32)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the task should next try; the outbox sweep (deskservice/outbox.py) reads it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="sms_pending_due")]

    def __str__(self):
        return f"SMS to {self.to_phone} ({self.status})"
