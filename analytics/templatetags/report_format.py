"""How the reports page writes durations, shares and hours."""

from django import template

register = template.Library()


@register.filter
def seconds(value) -> str:
    """42 s, 3 min 05 s, 1 h 02 min; a dash when there is nothing to measure."""
    if value is None:
        return "—"
    total = round(float(value))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@register.filter
def hours(minutes) -> str:
    if not minutes:
        return "0"
    return f"{minutes / 60:,.1f}"


@register.filter
def percent(share) -> str:
    if share is None:
        return "—"
    return f"{share * 100:.1f}%"


@register.filter
def one_decimal(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}"


@register.filter
def thousands(value) -> str:
    return f"{value or 0:,}"
