"""Reference Analytics: one row per reference interaction, with no patron identity."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class Location(models.Model):
    """Where the question was answered (Virtual, Main desk...). Managed by supervisors in admin."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Interaction(models.Model):
    class Mode(models.TextChoices):
        CHAT = "chat", "Chat"
        SMS = "sms", "SMS"
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        IN_PERSON = "in_person", "In person"
        TICKET = "ticket", "Ticket"

    happened_at = models.DateTimeField(default=timezone.now, db_index=True)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT)
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24 * 60)])
    department = models.ForeignKey("deskservice.Department", null=True, blank=True, on_delete=models.SET_NULL)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    referred_by = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    chat = models.OneToOneField(
        "chat.Chat", null=True, blank=True, on_delete=models.SET_NULL, related_name="interaction"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_at"]

    def __str__(self):
        return f"{self.get_mode_display()} at {self.happened_at:%Y-%m-%d %H:%M}"
