"""Request Screenshare from the dashboard, and the patron's answer from the widget."""

from django.http import JsonResponse

from chat.desk_api import _own_chat, operator_endpoint
from chat.screenshare.services import answer_screenshare
from chat.screenshare.services import request_screenshare as ask
from chat.widget_api import _chat_from_token, widget_endpoint
from deskservice.jsonapi import BadRequest, parse_json_object


@operator_endpoint(["POST"])
def request_screenshare(request, chat_id):
    screenshare = ask(chat=_own_chat(request, chat_id), operator=request.user)
    return JsonResponse({"id": screenshare.id, "status": screenshare.status}, status=201)


@widget_endpoint(["POST"])
def answer(request, chat_id, request_id):
    chat = _chat_from_token(request, chat_id)
    data = parse_json_object(request)
    accept = data.get("accept")
    if not isinstance(accept, bool):
        raise BadRequest('"accept" must be true (Yes) or false (No).', field="accept")
    screenshare = answer_screenshare(chat=chat, request_id=request_id, accept=accept)
    payload = {"id": screenshare.id, "status": screenshare.status}
    if accept:
        payload["url"] = screenshare.meeting_url
    return JsonResponse(payload)
