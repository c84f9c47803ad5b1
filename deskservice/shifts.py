"""Who is on duty: reads of the shift schedule that supervisors keep in admin."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from deskservice.models import Shift


def shifts_on(day):
    """Shifts that fall on a date: the weekly ones for its weekday and the dated ones."""
    return Shift.objects.filter(Q(weekday=day.weekday(), date__isnull=True) | Q(date=day)).select_related(
        "operator", "department"
    )


def on_duty_now(now=None):
    now = timezone.localtime(now)
    return [s for s in shifts_on(now.date()).order_by("starts_at") if s.starts_at <= now.time() < s.ends_at]


def next_on_duty(department, *, now=None, exclude_user=None):
    """The next shift of `department` starting after `now` (today or within a week)."""
    now = timezone.localtime(now)
    for offset in range(8):
        day = (now + timedelta(days=offset)).date()
        candidates = shifts_on(day).filter(department=department).order_by("starts_at")
        if exclude_user is not None:
            candidates = candidates.exclude(operator=exclude_user)
        for shift in candidates:
            starts = timezone.make_aware(datetime.combine(day, shift.starts_at), now.tzinfo)
            if starts > now or (offset == 0 and shift.starts_at <= now.time() < shift.ends_at):
                return shift, starts
    return None, None


def shift_ended_for(user, *, now=None, within=timedelta(hours=2)):
    """The operator's shift that ended in the last `within`, if they are not on another one now."""
    now = timezone.localtime(now)
    today = shifts_on(now.date()).filter(operator=user)
    if any(s.starts_at <= now.time() < s.ends_at for s in today):
        return None
    earlier = (now - within).time() if (now - within).date() == now.date() else datetime.min.time()
    ended = [s for s in today if earlier <= s.ends_at <= now.time()]
    return max(ended, key=lambda s: s.ends_at) if ended else None
