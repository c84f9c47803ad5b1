"""Dashboard HTTP actions for transfers, internal chat, shifts and supervisors (/desk/api/...)."""

from django.http import JsonResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, pgettext

from chat import internal_chat, transfers
from chat.desk_api import _chat, _own_chat, operator_endpoint
from chat.models import Chat, InternalConversation
from deskservice import realtime
from deskservice.jsonapi import BadRequest, optional_str, parse_json_object
from deskservice.models import Department, User
from deskservice.selectors import department_presence, online_operators
from deskservice.shifts import next_on_duty, on_duty_now, shift_ended_for


def _int(data, key):
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{key} must be a number.", field=key)
    return value


def _operators_for(me) -> list[dict]:
    """Every operator but `me`, with whether they are online, and why not when they are not."""
    online = {u.pk for u in online_operators()}
    operators = []
    for user in User.objects.filter(is_active=True, departments__isnull=False).distinct().order_by("first_name"):
        if user.pk == me.pk:
            continue
        # Away operators still receive chats; the dashboard shows their status.
        operators.append(
            {
                "id": user.pk,
                "name": user.get_full_name() or user.display_name,
                "online": user.pk in online,
                "availability": user.availability if user.pk in online else "offline",
                "unavailable_reason": "" if user.pk in online else pgettext("availability", "Offline"),
            }
        )
    return operators


@operator_endpoint(["GET"])
def operators(request):
    """Operators and whether they are online: for New internal chat and Reassign."""
    return JsonResponse({"operators": _operators_for(request.user)})


@operator_endpoint(["GET"])
def transfer_targets(request, chat_id):
    """Departments and operators, each with whether it can receive the chat and, if not, why."""
    chat = _own_chat(request, chat_id)
    operators = _operators_for(request.user)
    departments = [
        {
            **d,
            "unavailable_reason": "" if d["online"] else gettext("Nobody online"),
            "current": d["id"] == chat.department_id,
        }
        for d in department_presence()
    ]
    return JsonResponse({"operators": operators, "departments": departments})


@operator_endpoint(["POST"])
def transfer(request, chat_id):
    chat = _own_chat(request, chat_id)
    data = parse_json_object(request)
    note = optional_str(data, "note", limit=2000)
    stay = data.get("stay", False)
    if not isinstance(stay, bool):
        raise BadRequest("stay must be true or false.", field="stay")
    if data.get("operator") is not None:
        target = User.objects.filter(pk=_int(data, "operator"), is_active=True).first()
        if target is None:
            raise BadRequest(gettext_noop("That operator does not exist."), field="operator")
        result = transfers.request_transfer(
            chat=chat, from_operator=request.user, to_operator=target, note=note, stay=stay
        )
    else:
        department = Department.objects.filter(slug=optional_str(data, "department", limit=50)).first()
        if department is None:
            raise BadRequest("Choose an operator or a department.", field="department")
        result = transfers.request_transfer(
            chat=chat, from_operator=request.user, to_department=department, note=note, stay=stay
        )
    return JsonResponse({"transfer": result.pk, "status": result.status}, status=201)


@operator_endpoint(["POST"])
def accept_transfer(request, transfer_id):
    chat = transfers.accept_transfer(transfer_id=transfer_id, operator=request.user)
    return JsonResponse({"chat": str(chat.pk), "status": chat.status})


@operator_endpoint(["POST"])
def decline_transfer(request, transfer_id):
    result = transfers.decline_transfer(transfer_id=transfer_id, operator=request.user)
    return JsonResponse({"transfer": result.pk, "status": result.status})


@operator_endpoint(["GET"])
def internal_conversations(request):
    return JsonResponse({"conversations": internal_chat.conversations_for(request.user)})


@operator_endpoint(["POST"])
def open_internal(request):
    """Open (or find) a one-to-one chat with an operator, a department's room, or All staff."""
    data = parse_json_object(request)
    if data.get("room") == "all":
        conversation = internal_chat.all_staff_room()
    elif data.get("operator") is not None:
        other = User.objects.filter(pk=_int(data, "operator"), is_active=True).first()
        if other is None:
            raise BadRequest(gettext_noop("That operator does not exist."), field="operator")
        conversation = internal_chat.direct_conversation(user=request.user, other=other)
    else:
        department = Department.objects.filter(pk=_int(data, "department"), active=True).first()
        if department is None:
            raise BadRequest(gettext_noop("That department does not exist."), field="department")
        conversation = internal_chat.department_room(user=request.user, department=department)
    return JsonResponse(_conversation_json(conversation, request.user), status=201)


@operator_endpoint(["GET", "POST"])
def internal_messages(request, conversation_id):
    conversation = InternalConversation.objects.select_related("department").filter(pk=conversation_id).first()
    if conversation is None or not internal_chat.can_see(conversation, request.user):
        raise BadRequest(gettext_noop("That internal chat does not exist."), status=404)
    if request.method == "POST":
        data = parse_json_object(request)
        message = internal_chat.send_internal_message(
            conversation=conversation, author=request.user, body=data.get("body")
        )
        return JsonResponse({"id": message.id}, status=201)
    return JsonResponse(_conversation_json(conversation, request.user))


@operator_endpoint(["POST"])
def internal_read(request, conversation_id):
    conversation = InternalConversation.objects.filter(pk=conversation_id).first()
    if conversation is None or not internal_chat.can_see(conversation, request.user):
        raise BadRequest(gettext_noop("That internal chat does not exist."), status=404)
    data = parse_json_object(request)
    internal_chat.mark_read(conversation=conversation, user=request.user, up_to=_int(data, "up_to"))
    return JsonResponse({"ok": True})


def _conversation_json(conversation, user) -> dict:
    messages = internal_chat.messages_of(conversation)
    title = internal_chat.title_for(conversation, user)
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "title": title,
        "messages": [realtime.internal_message_event(m, title) for m in messages],
    }


@operator_endpoint(["GET"])
def duty(request):
    """Who is on duty now and next, and whether my own shift has ended while I still have chats."""
    now = timezone.now()
    current = [
        {"operator": s.operator.display_name, "department": s.department.name, "until": s.ends_at.strftime("%H:%M")}
        for s in on_duty_now(now)
    ]
    ended = shift_ended_for(request.user, now=now)
    handover = None
    open_chats = Chat.objects.filter(operator=request.user, status=Chat.Status.ACTIVE).count()
    if ended and open_chats:
        shift, starts = next_on_duty(ended.department, now=now, exclude_user=request.user)
        next_online = bool(shift) and online_operators().filter(pk=shift.operator_id).exists()
        handover = {
            "ended_at": ended.ends_at.strftime("%H:%M"),
            "department": {"id": ended.department_id, "slug": ended.department.slug, "name": ended.department.name},
            "next_operator": (
                {"id": shift.operator_id, "name": shift.operator.display_name, "online": next_online} if shift else None
            ),
        }
    upcoming = []
    for department in Department.objects.filter(active=True):
        shift, starts = next_on_duty(department, now=now)
        if shift:
            upcoming.append(
                {
                    "department": department.name,
                    "operator": shift.operator.display_name,
                    # "Mon 09:00", the weekday in the reader's language.
                    "starts": date_format(timezone.localtime(starts), "D H:i"),
                }
            )
    return JsonResponse({"on_duty": current, "next": upcoming, "handover": handover})


@operator_endpoint(["GET"])
def active_chats(request):
    """Every waiting or active chat, for supervisors who reassign work."""
    if not request.user.has_perm("chat.reassign_chat"):
        raise BadRequest(gettext_noop("Only supervisors can see every chat."), status=403)
    chats = (
        Chat.objects.select_related("department", "operator")
        .exclude(status=Chat.Status.ENDED)
        .order_by("created_at")[:500]
    )
    return JsonResponse({"chats": [realtime.chat_summary(c) for c in chats]})


@operator_endpoint(["POST"])
def reassign(request, chat_id):
    chat = _chat(chat_id)
    data = parse_json_object(request)
    target = User.objects.filter(pk=_int(data, "operator"), is_active=True).first()
    if target is None:
        raise BadRequest(gettext_noop("That operator does not exist."), field="operator")
    chat = transfers.reassign_chat(chat=chat, supervisor=request.user, to_operator=target)
    return JsonResponse({"chat": str(chat.pk), "operator": target.display_name})
