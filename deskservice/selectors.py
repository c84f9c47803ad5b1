"""Reads about departments and operators that several views and consumers share."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now

from deskservice import roles
from deskservice.compiled_sql import CompiledQuery
from deskservice.models import DashboardConnection, Department, User


def presence_cutoff():
    """When a dashboard's last heartbeat must be after to count as live, by the database's clock.

    The same SQL on every call, so the heartbeat's reads compile once
    (deskservice/compiled_sql.py). Heartbeats are written with our clock, on the same machine
    or one kept in time.
    """
    return Now() - timedelta(seconds=settings.DESK_PRESENCE_TIMEOUT_SECONDS)


def live_connections():
    return DashboardConnection.objects.filter(last_heartbeat__gte=presence_cutoff())


def online_operators():
    """Operators with at least one dashboard whose heartbeat is fresh (online or away)."""
    return User.objects.filter(is_active=True).filter(Exists(live_connections().filter(user=OuterRef("pk"))))


def is_operator_online(user) -> bool:
    return live_connections().filter(user=user, user__is_active=True).exists()


def department_is_online(department) -> bool:
    return online_operators().filter(departments=department).exists()


def _presence_timeout():
    return settings.DESK_PRESENCE_TIMEOUT_SECONDS


_ONLINE_BY_DEPARTMENT = CompiledQuery(
    lambda: online_operators().filter(departments__active=True).values_list("departments", "availability"),
    key=_presence_timeout,
)
_ACTIVE_DEPARTMENTS = CompiledQuery(lambda: Department.objects.filter(active=True).values_list("id", "slug", "name"))


def department_presence() -> list[dict]:
    """Every active department with whether anyone is online in it, in two queries.

    Every dashboard heartbeat answers with this, so both queries are compiled once.
    """
    online = {}
    for department_id, availability in _ONLINE_BY_DEPARTMENT.rows():
        entry = online.setdefault(department_id, {"online": 0, "available": 0})
        entry["online"] += 1
        if availability == User.Availability.ONLINE:
            entry["available"] += 1
    return [
        {
            "id": department_id,
            "slug": slug,
            "name": name,
            "online": department_id in online,
            "operators_online": online.get(department_id, {}).get("online", 0),
            "operators_available": online.get(department_id, {}).get("available", 0),
        }
        for department_id, slug, name in _ACTIVE_DEPARTMENTS.rows()
    ]


def is_operator(user) -> bool:
    """Staff who may chat, work tickets and record interactions: any of the four roles."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.has_perm(roles.WORK_DESK)


def desk_staff():
    """Active users whose role lets them work the desk (through a group, directly, or superuser)."""
    app_label, codename = roles.WORK_DESK.split(".")
    permission = Q(permissions__codename=codename, permissions__content_type__app_label=app_label)
    via_group = Q(groups__in=Group.objects.filter(permission))
    direct = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    return User.objects.filter(Q(is_superuser=True) | via_group | direct, is_active=True).distinct()


def alert_preferences_of(user) -> dict:
    """The operator's alert settings for the dashboard snapshot; every alert is on until they change it."""
    from deskservice.models import AlertPreferences

    saved = AlertPreferences.objects.filter(user=user).first()
    return (saved or AlertPreferences(user=user)).as_dict()
