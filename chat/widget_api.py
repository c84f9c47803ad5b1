"""The widget's public HTTP API, /api/widget/v1/ (docs/protocol.md).

Patrons are anonymous: a chat is reached only with its bearer token, and a wrong or
missing token answers 404 so that a chat's existence is never revealed.
"""

import functools
import logging
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from chat import bans, services
from chat.api_errors import call_with_json_errors
from chat.models import Chat, Message
from deskservice import ratelimit
from deskservice.jsonapi import BadRequest, error_response, optional_str, parse_json_object
from deskservice.languages import request_language
from deskservice.models import Department
from deskservice.origins import origin_allowed
from deskservice.selectors import department_presence

logger = logging.getLogger(__name__)

# Lazy: sentences patrons read are translated when sent, in the request's language.
NOT_FOUND = gettext_lazy("No chat was found for that id and token.")


def widget_endpoint(methods, *, refuse_banned=False):
    """Parse, check the origin, and turn domain errors into JSON; views stay short.

    `refuse_banned`: POSTs from a banned client (chat.bans) get a polite 403."""

    def decorate(view):
        @csrf_exempt  # No cookies are involved: the bearer token is the credential.
        @require_http_methods(methods)
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            origin = request.headers.get("Origin")
            if origin and not origin_allowed(origin, host=request.get_host()):
                return error_response(gettext("This site is not allowed to use the chat widget."), 403)
            if refuse_banned and request.method == "POST" and bans.is_banned(ratelimit.client_ip(request)):
                return error_response(gettext(bans.BANNED_MESSAGE), 403)
            return call_with_json_errors(view, request, *args, **kwargs)

        return wrapper

    return decorate


def _chat_from_token(request, chat_id) -> Chat:
    """The chat named in the URL, if the Authorization header carries its token."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    try:
        chat_uuid = uuid.UUID(str(chat_id))
    except ValueError:
        raise BadRequest(NOT_FOUND, status=404) from None
    chat = Chat.objects.select_related("department", "operator").filter(pk=chat_uuid).first()
    if chat is None or not chat.token_matches(token):
        raise BadRequest(NOT_FOUND, status=404)
    return chat


def message_json(message) -> dict:
    from deskservice.realtime import message_event

    return message_event(message)


@widget_endpoint(["GET"])
def status(request):
    departments = [
        {
            "slug": d["slug"],
            "name": d["name"],
            "online": d["online"],
            "away": d["online"] and not d["operators_available"],
        }
        for d in department_presence()
    ]
    return JsonResponse({"departments": departments})


@widget_endpoint(["POST"], refuse_banned=True)
def start_chat(request):
    if refusal := ratelimit.refuse_client(request, "start_chat"):
        return refusal
    data = parse_json_object(request)
    slug = optional_str(data, "department", limit=50)
    department = Department.objects.filter(slug=slug, active=True).first() if slug else None
    if department is None:
        raise BadRequest(gettext("Choose one of the library's departments."), field="department")
    if refusal := ratelimit.refuse_department("start_chat", department):
        return refusal
    if ratelimit.queue_full(request):
        return ratelimit.too_many(ratelimit.QUEUE_FULL)
    chat, token = services.start_chat(
        department=department,
        question=data.get("question"),
        name=optional_str(data, "name", limit=100),
        email=optional_str(data, "email", limit=254),
        page_url=optional_str(data, "page_url", limit=500),
        user_agent=request.headers.get("User-Agent", ""),
        language=request_language(request),
        client_hash=bans.client_hash(ratelimit.client_ip(request)),
    )
    ratelimit.remember_waiting_chat(request, chat)
    return JsonResponse(
        {
            "id": str(chat.pk),
            "token": token,
            "websocket": f"/ws/widget/v1/chats/{chat.pk}/",
            "status": chat.status,
            "position": services.queue_position(chat),
        },
        status=201,
    )


@widget_endpoint(["GET", "POST"], refuse_banned=True)
def messages(request, chat_id):
    chat = _chat_from_token(request, chat_id)
    if request.method == "POST":
        if refusal := ratelimit.refuse_client(request, "message"):
            return refusal
        data = parse_json_object(request)
        message = services.send_message(
            chat=chat,
            body=data.get("body"),
            sender=Message.Sender.PATRON,
            per_minute=settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE,
        )
        return JsonResponse(message_json(message), status=201)
    after = request.GET.get("after") or 0
    try:
        after = int(after)
    except ValueError:
        raise BadRequest("after must be a message id (a whole number).", field="after") from None
    rows = chat.messages.select_related("operator", "attachment").filter(id__gt=after).order_by("id")[:500]
    result = []
    for message in rows:
        message.chat = chat
        result.append(message_json(message))
    return JsonResponse(
        {
            "status": chat.status,
            "operator": chat.operator.display_name if chat.operator_id else None,
            "position": services.queue_position(chat),
            "messages": result,
        }
    )


@widget_endpoint(["POST"])
def transcript(request, chat_id):
    chat = _chat_from_token(request, chat_id)
    # Each request mails any address the caller names: unlimited, it would make the desk a spam relay.
    if refusal := ratelimit.refuse_client(request, "transcript"):
        return refusal
    data = parse_json_object(request)
    services.request_transcript(
        chat=chat, email=optional_str(data, "email", limit=254) or chat.patron_email, requested_by="patron"
    )
    return JsonResponse({"queued": True}, status=202)


@widget_endpoint(["POST"])
def rating(request, chat_id):
    chat = _chat_from_token(request, chat_id)
    data = parse_json_object(request)
    services.rate_chat(chat=chat, rating=data.get("rating"), comment=optional_str(data, "comment", limit=4000))
    return JsonResponse({"rating": chat.rating})


@widget_endpoint(["POST"])
def end(request, chat_id):
    chat = _chat_from_token(request, chat_id)
    services.end_chat(chat=chat, ended_by=Chat.EndedBy.PATRON)
    return JsonResponse({"status": chat.status})
