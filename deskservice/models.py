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


class Shift(models.Model):
    """When an operator is on duty for a department: every week on a weekday, or on one date."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    date = models.DateField(null=True, blank=True, help_text="For a one-off shift instead of a weekly one.")
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "date", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(weekday__isnull=False, date__isnull=True)
                    | models.Q(weekday__isnull=True, date__isnull=False)
                ),
                name="shift_weekly_or_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self):
        when = self.date.isoformat() if self.date else self.get_weekday_display()
        return f"{self.operator} — {self.department} — {when} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"
