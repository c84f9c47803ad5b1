"""Pages of the desk itself: the demo library page, the widget frame, and the dashboard."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_exempt

from chat.desk_api import operator_endpoint
from chat.models import Chat
from deskservice import audit
from deskservice import services as desk_services
from deskservice.jsonapi import BadRequest, parse_json_object
from deskservice.languages import request_language
from deskservice.models import DeskSettings
from deskservice.origins import frame_ancestors
from deskservice.selectors import alert_preferences_of, is_operator


def demo_library_page(request):
    """A stand-in for a library's web site, embedding the widget with its one script tag."""
    return render(request, "demo/library.html")


WIDGET_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def other_languages(request) -> list[dict]:
    """Links that reload the widget in each other language, keeping department and full-page."""
    current = request_language(request)
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        query = request.GET.copy()
        query["lang"] = code
        links.append({"code": code, "name": name, "query": query.urlencode()})
    return links


@xframe_options_exempt
def widget_frame(request):
    """The widget's iframe. Only the library sites in WIDGET_ALLOWED_ORIGINS may frame it."""
    desk = DeskSettings.current()
    context = {
        "full_page": request.GET.get("full") == "1",
        "other_languages": other_languages(request),
        "title": desk.widget_title,
        "welcome": desk.welcome_text_for(request_language(request)),
        # Validated in the admin; checked again here because it is written into a <style>.
        "colour": desk.widget_colour if WIDGET_COLOUR.fullmatch(desk.widget_colour or "") else None,
        "attachment_max_mb": settings.DESK_ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    response = render(request, "widget/widget.html", context)
    response._csp_replace = {"frame-ancestors": frame_ancestors().split()}
    return response


@login_required
def dashboard(request):
    if not is_operator(request.user):
        raise PermissionDenied(gettext("Only operators of a department can open the chat dashboard."))
    return render(request, "desk/dashboard.html", {"heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS})


@login_required
def chat_transcript(request, chat_id):
    """A past chat, read-only, for its department's operators and supervisors (Patron
    Information's history links here). Opening it is recorded in the audit log."""
    from chat.patron_info import may_see
    from chat.transcripts import transcript_lines

    if not is_operator(request.user):
        raise PermissionDenied(gettext("Only staff who work the desk can read transcripts."))
    chat = Chat.objects.select_related("department", "operator").filter(pk=chat_id).first()
    if chat is None or not may_see(request.user, chat):
        raise Http404("No such chat.")
    audit.record(actor=request.user, action=audit.Action.VIEWED_TRANSCRIPT, target=chat, via="transcript page")
    return render(request, "desk/transcript.html", {"chat": chat, "lines": transcript_lines(chat)})


@operator_endpoint(["GET", "POST"])
def alert_preferences(request):
    """The signed-in operator's alert settings: GET them, or POST the ones that change
    ({"sound", "popups", "new_chats", "transfer_requests", "internal_messages"}: booleans)."""
    if request.method == "POST":
        try:
            saved = desk_services.save_alert_preferences(user=request.user, changes=parse_json_object(request))
        except desk_services.AlertPreferencesError as error:
            raise BadRequest(str(error), field=error.field) from None
        return JsonResponse(saved.as_dict())
    return JsonResponse(alert_preferences_of(request.user))
