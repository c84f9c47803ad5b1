"""Presence (operators' dashboard connections, heartbeats and availability) and their alert settings."""

from django.db import transaction
from django.utils import timezone

from deskservice import realtime
from deskservice.models import AlertPreferences, DashboardConnection, User
from deskservice.selectors import department_presence, presence_cutoff


def connect_dashboard(*, user, channel_name: str) -> None:
    """Record an open dashboard socket; publishes presence to every dashboard."""
    with transaction.atomic():
        DashboardConnection.objects.update_or_create(
            channel_name=channel_name, defaults={"user": user, "last_heartbeat": timezone.now()}
        )
        # Rows left by a dead browser or server would otherwise pile up forever.
        DashboardConnection.objects.filter(last_heartbeat__lt=presence_cutoff()).delete()
        _publish_presence()


def heartbeat(*, user, channel_name: str) -> None:
    """Keep an open dashboard counted as online."""
    now = timezone.now()
    if not DashboardConnection.objects.filter(channel_name=channel_name).update(last_heartbeat=now):
        # Another dashboard's connect cleared this row while this socket was silent (a laptop
        # asleep): the socket is alive again, so its operator is too.
        DashboardConnection.objects.get_or_create(channel_name=channel_name, defaults={"user": user})


def disconnect_dashboard(*, channel_name: str) -> None:
    with transaction.atomic():
        DashboardConnection.objects.filter(channel_name=channel_name).delete()
        _publish_presence()


def set_availability(*, user, availability: str) -> None:
    """Online or Away. Away operators still receive chats; the widget is told they are away."""
    if availability not in User.Availability.values:
        raise ValueError(f"Unknown status {availability!r}.")
    with transaction.atomic():
        user.availability = availability
        user.save(update_fields=["availability"])
        _publish_presence()


def _publish_presence() -> None:
    realtime.publish(realtime.staff_group(), realtime.presence_event(department_presence()))


class AlertPreferencesError(ValueError):
    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.field = field


def save_alert_preferences(*, user, changes: dict) -> AlertPreferences:
    """An operator's own alert settings (sound, desktop pop-ups, and for which alerts).

    `changes` maps some of AlertPreferences.fields() to booleans; the others keep their value.
    Anything else is refused with AlertPreferencesError naming the field, before anything is saved.
    """
    allowed = AlertPreferences.fields()
    for field, value in changes.items():
        if field not in allowed:
            raise AlertPreferencesError(f"“{str(field)[:40]}” is not an alert setting.", field=str(field)[:40])
        if not isinstance(value, bool):
            raise AlertPreferencesError(f"{field} must be true or false.", field=field)
    with transaction.atomic():
        preferences, _ = AlertPreferences.objects.select_for_update().get_or_create(user=user)
        for field, value in changes.items():
            setattr(preferences, field, value)
        preferences.save()
    return preferences
