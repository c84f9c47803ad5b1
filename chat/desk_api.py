"""The operator dashboard's HTTP actions (/desk/api/...): claim, canned messages, end, close, transcript.

Session-authenticated and CSRF-protected; errors are JSON {"error": ...}.
"""

import functools
import uuid

from django.http import JsonResponse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_http_methods

from chat import bans, participants, patron_info, services
from chat.api_errors import call_with_json_errors
from chat.models import Chat
from chat.selectors import canned_messages_for, is_participant, may_see_chat, ticket_number_of
from deskservice import realtime
from deskservice.jsonapi import BadRequest, error_response, optional_str, parse_json_object
from deskservice.selectors import is_operator


def operator_endpoint(methods):
    def decorate(view):
        @require_http_methods(methods)
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return error_response(gettext("Sign in to use the desk."), 401)
            if not is_operator(request.user):
                return error_response(gettext("Only operators of a department can do this."), 403)
            return call_with_json_errors(view, request, *args, **kwargs)

        return wrapper

    return decorate


def _chat(chat_id) -> Chat:
    try:
        chat_uuid = uuid.UUID(str(chat_id))
    except ValueError:
        raise BadRequest(gettext_noop("That chat does not exist."), status=404) from None
    chat = Chat.objects.select_related("department", "operator").filter(pk=chat_uuid).first()
    if chat is None:
        raise BadRequest(gettext_noop("That chat does not exist."), status=404)
    return chat


def _own_chat(request, chat_id) -> Chat:
    chat = _chat(chat_id)
    if chat.operator_id != request.user.id:
        raise BadRequest(gettext_noop("This chat belongs to another operator."), status=403)
    return chat


def _chat_i_am_in(request, chat_id) -> Chat:
    """A chat the operator owns or stayed in after transferring it (chat.participants)."""
    chat = _chat(chat_id)
    if chat.operator_id != request.user.id and not is_participant(request.user, chat):
        raise BadRequest(gettext_noop("This chat belongs to another operator."), status=403)
    return chat


@operator_endpoint(["POST"])
def claim(request, chat_id):
    chat = services.claim_chat(chat_id=_chat(chat_id).pk, operator=request.user)
    return JsonResponse({"id": str(chat.pk), "status": chat.status})


@operator_endpoint(["GET", "POST"])
def canned(request, chat_id):
    chat = _chat_i_am_in(request, chat_id)
    if request.method == "POST":
        data = parse_json_object(request)
        canned_id = data.get("canned")
        if isinstance(canned_id, bool) or not isinstance(canned_id, int):
            raise BadRequest(gettext_noop("Choose a canned message."), field="canned")
        message = services.send_canned_message(chat=chat, canned_id=canned_id, operator=request.user)
        return JsonResponse({"id": message.id}, status=201)
    return JsonResponse(
        {
            "canned": [
                {
                    "id": c.id,
                    "title": c.title,
                    "department": c.department.name if c.department_id else None,
                    "preview": services.render_canned_message(c, chat=chat, operator=request.user),
                }
                for c in canned_messages_for(chat.department_id).select_related("department")
            ]
        }
    )


@operator_endpoint(["POST"])
def end(request, chat_id):
    chat = services.end_chat(chat=_own_chat(request, chat_id), ended_by=Chat.EndedBy.OPERATOR, operator=request.user)
    return JsonResponse({"id": str(chat.pk), "status": chat.status})


@operator_endpoint(["POST"])
def leave(request, chat_id):
    """Leave chat: an operator who stayed after a transfer goes; the chat goes on without them."""
    participants.leave_chat(chat=_chat(chat_id), operator=request.user)
    return JsonResponse({"id": str(chat_id), "left": True})


@operator_endpoint(["POST"])
def close(request, chat_id):
    chat = services.close_chat(chat=_own_chat(request, chat_id), operator=request.user)
    return JsonResponse({"id": str(chat.pk), "closed": True})


@operator_endpoint(["GET"])
def ticket(request, chat_id):
    """The ticket this chat became, if any: the chat header shows View Ticket instead of Create
    Ticket (the ticket is usually created in another tab, so the dashboard asks again)."""
    chat = _chat(chat_id)
    if not may_see_chat(request.user, chat):
        raise BadRequest(gettext_noop("That chat does not exist."), status=404)
    return JsonResponse({"ticket": realtime.ticket_ref(ticket_number_of(chat))})


@operator_endpoint(["POST"])
def transcript(request, chat_id):
    chat = _own_chat(request, chat_id)
    data = parse_json_object(request)
    email = optional_str(data, "email", limit=254) or chat.patron_email
    services.request_transcript(chat=chat, email=email, requested_by="operator", operator=request.user)
    return JsonResponse({"queued": True, "email": email}, status=202)


@operator_endpoint(["POST"])
def ban(request, chat_id):
    """Ban the chat's patron for a while: {"duration": "1h"|"1d"|"1w"|"30d", "reason"?}."""
    data = parse_json_object(request)
    ban = bans.ban_patron(
        chat=_chat(chat_id),
        operator=request.user,
        duration=optional_str(data, "duration", limit=5),
        reason=optional_str(data, "reason", limit=200),
    )
    return JsonResponse({"id": ban.pk, "expires_at": ban.expires_at.isoformat()}, status=201)


@operator_endpoint(["GET", "POST"])
def patron(request, chat_id):
    """Patron Information: GET what is known and the history; POST {"name", "email"} to Update."""
    chat = _chat(chat_id)
    if not patron_info.may_see(request.user, chat):
        raise BadRequest(gettext_noop("That chat does not exist."), status=404)
    if request.method == "POST":
        data = parse_json_object(request)
        chat = patron_info.update_patron(
            chat=chat,
            operator=request.user,
            name=optional_str(data, "name", limit=100),
            email=optional_str(data, "email", limit=254),
        )
    return JsonResponse(patron_info.patron_info(chat))
