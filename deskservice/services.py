"""Presence: operators' dashboard connections, heartbeats and availability."""

from django.db import transaction
from django.utils import timezone

from deskservice import realtime
from deskservice.models import DashboardConnection, User
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
