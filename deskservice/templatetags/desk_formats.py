"""Dates and times on the staff pages and in the desk's mail, written as each language writes them.

The formats are Django date formats, translated like any other text: in English "M j, g:i A"
(Mar 2, 3:05 PM), in Spanish "j b, H:i" (2 mar, 15:05). Like Django's `date` filter, these
show an aware datetime in the library's time zone.
"""

from django import template
from django.utils.formats import date_format
from django.utils.translation import pgettext

register = template.Library()


@register.filter(expects_localtime=True)
def moment(value) -> str:
    """When something happened this week or so: "Mar 2, 3:05 PM"."""
    return _formatted(value, pgettext("Django date format: day and time", "M j, g:i A"))


@register.filter(expects_localtime=True)
def moment_in_year(value) -> str:
    """ "Mar 2, 2026 3:05 PM"."""
    return _formatted(value, pgettext("Django date format: day, year and time", "M j, Y g:i A"))


@register.filter(expects_localtime=True)
def full_moment(value) -> str:
    """In a letter: "March 2, 2026, 3:05 PM"."""
    return _formatted(value, pgettext("Django date format: day, year and time in full", "F j, Y, g:i A"))


@register.filter(expects_localtime=True)
def day_in_year(value) -> str:
    """ "Mar 2, 2026"."""
    return _formatted(value, pgettext("Django date format: day and year", "M j, Y"))


@register.filter(expects_localtime=True)
def clock(value) -> str:
    """ "3:05 PM"."""
    return _formatted(value, pgettext("Django date format: time of day", "g:i A"))


def _formatted(value, format_string: str) -> str:
    if value in (None, ""):
        return ""
    return date_format(value, format_string)
