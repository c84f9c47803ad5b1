from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


class MeetingRoom(models.Model):
    """A meeting URL: an operator's own (with `operator`), or the library's (without one, at most one)."""

    operator = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="meeting_room"
    )
    url = models.URLField(
        max_length=500,
        help_text="Zoom, Jitsi or another provider's link. {chat} becomes a fresh, unguessable room name "
        "for each request (e.g. https://meet.jit.si/library-{chat}).",
    )

    class Meta:
        constraints = [
            # NULL never equals NULL in a unique index: coalescing makes "no operator" one value.
            models.UniqueConstraint(Coalesce("operator", Value(0)), name="one_library_meeting_room"),
        ]

    def __str__(self):
        return f"{self.operator.display_name if self.operator_id else 'Library'}: {self.url}"


class ScreenshareRequest(models.Model):
    class Status(models.TextChoices):
        ASKED = "asked", "Waiting for the patron"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    chat = models.ForeignKey("chat.Chat", on_delete=models.CASCADE, related_name="screenshare_requests")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASKED)
    # Chosen when asked, sent only after Yes.
    meeting_url = models.URLField(max_length=600)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["chat"], condition=Q(status="asked"), name="one_open_screenshare_request"),
        ]

    def __str__(self):
        return f"Screenshare in {self.chat.short_id} ({self.status})"
