"""What the whole desk shares: departments, operators and their presence."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Department(models.Model):
    """A service point that answers chats (Research & Instruction, Access Services...)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the widget and dashboard.")
    active = models.BooleanField(default=True, help_text="Inactive departments are hidden from patrons.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A member of staff. Operators are users in at least one department."""

    class Availability(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"

    departments = models.ManyToManyField(Department, blank=True, related_name="operators")
    availability = models.CharField(max_length=10, choices=Availability.choices, default=Availability.ONLINE)

    @property
    def display_name(self):
        return self.first_name or self.get_username()


class DashboardConnection(models.Model):
    """One open operator dashboard socket.

    Presence is derived from these rows rather than held in a process's memory, so every
    ASGI process agrees on it, and a row whose heartbeat stopped (browser or server died)
    stops counting after DESK_PRESENCE_TIMEOUT_SECONDS without anyone cleaning it up.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)
    last_heartbeat = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.user} @ {self.channel_name}"
