"""FAQ JSON endpoints: the widget's suggestions (anonymous, rate-limited) and the desk's lookup."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext

from chat.desk_api import operator_endpoint
from chat.widget_api import widget_endpoint
from deskservice.jsonapi import BadRequest, error_response
from deskservice.languages import request_language
from deskservice.models import Department
from deskservice.ratelimit import client_ip, hit, too_many
from faq import search, services

MAX_QUERY = 200


def _query(request) -> str:
    text = request.GET.get("q", "")
    if len(text) > MAX_QUERY:
        raise BadRequest(f"Keep the search under {MAX_QUERY} characters.", field="q")
    return text


@widget_endpoint(["GET"])
def widget_suggestions(request):
    """GET /api/widget/v1/faq?q=...&department=slug: up to three published answers."""
    if not hit("widget_faq", client_ip(request), limit=settings.DESK_RATE_LIMIT_FAQ_PER_MINUTE):
        return too_many()
    department = None
    # PostgreSQL refuses NUL in a query parameter: a slug never has one.
    slug = request.GET.get("department", "").replace("\x00", "")
    if slug:
        department = Department.objects.filter(slug=slug[:50], active=True).first()
    entries = search.search(_query(request), limit=3, department=department)
    language = request_language(request)
    return JsonResponse({"results": [entry.as_json(request, language=language) for entry in entries]})


@widget_endpoint(["POST"])
def widget_view(request, entry_id):
    """POST /api/widget/v1/faq/<id>/view: the patron opened a suggestion; counts it, returns it."""
    if not hit("widget_faq", client_ip(request), limit=settings.DESK_RATE_LIMIT_FAQ_PER_MINUTE):
        return too_many()
    entry = services.count_view(entry_id=entry_id)
    if entry is None:
        return error_response(gettext("That answer is not available."), 404)
    return JsonResponse(entry.as_json(request, language=request_language(request)))


@operator_endpoint(["GET"])
def desk_lookup(request):
    """GET /desk/api/faq?q=...: entries (drafts too, marked) for an operator to insert in a chat."""
    entries = search.search(_query(request), limit=8, published_only=False)
    return JsonResponse({"results": [entry.as_json(request) | {"published": entry.published} for entry in entries]})
