"""Uploading (the patron, with the chat's token) and downloading (the patron with the token, or
signed-in staff of the chat's department). Downloads are always attachments of an inert type."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFilesSent
from django.http import FileResponse, Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET

from chat.attachments import storage
from chat.attachments.models import ChatAttachment
from chat.attachments.services import attach_file
from chat.selectors import may_see_chat
from chat.widget_api import _chat_from_token, message_json, widget_endpoint
from deskservice import ratelimit
from deskservice.jsonapi import BadRequest
from deskservice.selectors import is_operator

# Multipart framing around the file: a request this much over the limit is refused unread.
MULTIPART_SLACK = 64 * 1024


@widget_endpoint(["POST"])
def upload(request, chat_id):
    chat = _chat_from_token(request, chat_id)
    if refusal := ratelimit.refuse_client(request, "upload"):
        return refusal
    limit = settings.DESK_ATTACHMENT_MAX_BYTES
    too_large = BadRequest(
        gettext("That file is too large (at most %(size)s MB).") % {"size": limit // (1024 * 1024)},
        status=413,
        field="file",
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + MULTIPART_SLACK:
        raise too_large
    try:
        upload = request.FILES.get("file")
    except RequestDataTooBig:
        raise too_large from None
    except (MultiPartParserError, TooManyFilesSent):
        # Django would answer these with its HTML 400 page; the widget reads JSON.
        raise BadRequest(gettext_noop("The file could not be read from the request."), field="file") from None
    if upload is None:
        raise BadRequest(gettext_noop("Choose a file to send."), field="file")
    if upload.size > limit:
        raise too_large
    attachment = attach_file(chat=chat, filename=upload.name or "", data=upload.read())
    return JsonResponse(message_json(attachment.message), status=201)


@widget_endpoint(["GET"])
def patron_download(request, chat_id, attachment_id):
    chat = _chat_from_token(request, chat_id)
    # Only this chat's files: another chat's attachment id answers as if it did not exist.
    attachment = ChatAttachment.objects.filter(pk=attachment_id, chat=chat).first()
    if attachment is None:
        raise BadRequest(gettext_noop("No file was found for that id."), status=404)
    return _download(attachment)


@require_GET
def staff_download(request, attachment_id):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_operator(request.user):
        raise PermissionDenied(gettext("Only staff who work the desk can open patrons' files."))
    attachment = ChatAttachment.objects.select_related("chat").filter(pk=attachment_id).first()
    if attachment is None or not may_open(request.user, attachment.chat):
        raise Http404("No such attachment.")
    return _download(attachment)


def may_open(user, chat) -> bool:
    """Staff who work the desk and may see the chat (chat.selectors.may_see_chat)."""
    return is_operator(user) and may_see_chat(user, chat)


def _download(attachment):
    try:
        handle = open(storage.path_of(attachment.path), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise Http404("The file of this attachment is missing from storage.") from None
    # application/octet-stream + nosniff + attachment: the browser saves it, never renders or runs it.
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
