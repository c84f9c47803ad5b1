"""The staff pages' language switch: one button for each other language the desk speaks."""

from django import template
from django.conf import settings
from django.utils import translation

from deskservice.languages import supported_language

register = template.Library()


@register.inclusion_tag("desk/_language_switch.html", takes_context=True)
def language_switch(context):
    request = context.get("request")
    current = supported_language(translation.get_language())
    return {
        "csrf_token": context.get("csrf_token"),
        # Each named in its own language (settings.LANGUAGES), as a reader of it looks for it.
        "languages": [{"code": code, "name": name} for code, name in settings.LANGUAGES if code != current],
        "next": _back_here(request),
    }


def _back_here(request) -> str:
    """Where set_language sends the person back: this page, without a `lang` parameter (which
    would win over the choice). After a POST (a form shown again with its errors) there is no
    page to GET back, so set_language falls back to the Referer, the page the form was on."""
    if request is None or request.method != "GET":
        return ""
    query = request.GET.copy()
    query.pop("lang", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path
