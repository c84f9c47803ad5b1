"""Request Screenshare, and the patron's Yes or No."""

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from chat.models import Chat
from chat.screenshare.models import MeetingRoom, ScreenshareRequest
from chat.services import ChatConflict, ChatError, NotAllowed, in_patron_language, post_system_message
from deskservice import realtime
from deskservice.models import DeskSettings


def meeting_url_for(operator) -> str:
    """The operator's own meeting link, else the library's (admin: a Meeting room without an
    operator, or Desk settings' meeting URL), else DESK_SCREENSHARE_URL.

    "{chat}" becomes a fresh random room name: a room that could be guessed could be joined.
    """
    own = MeetingRoom.objects.filter(operator=operator).values_list("url", flat=True).first()
    library = MeetingRoom.objects.filter(operator__isnull=True).values_list("url", flat=True).first()
    pattern = own or library or DeskSettings.current().meeting_url or settings.DESK_SCREENSHARE_URL
    if not pattern:
        raise ChatError(gettext_noop("No meeting link is set up. A supervisor can add one in admin (Meeting rooms)."))
    return pattern.replace("{chat}", secrets.token_urlsafe(12))


def request_screenshare(*, chat, operator) -> ScreenshareRequest:
    """The chat's operator asks the patron, in the widget, whether they would like to share a screen.

    Only in an active widget chat (an SMS patron cannot answer), one question at a time. The link
    is chosen now and sent only after Yes. Publishes screenshare.requested to the chat.
    """
    url = meeting_url_for(operator)
    with transaction.atomic():
        locked = Chat.objects.select_for_update().get(pk=chat.pk)
        if locked.operator_id != operator.id:
            raise NotAllowed(gettext_noop("This chat belongs to another operator."))
        if locked.status != Chat.Status.ACTIVE:
            raise ChatConflict(gettext_noop("Screen sharing can be offered only during an active chat."))
        if locked.source != Chat.Source.WEB:
            raise ChatConflict(gettext_noop("Screen sharing needs the chat widget; SMS patrons cannot answer it."))
        if ScreenshareRequest.objects.filter(chat=chat, status=ScreenshareRequest.Status.ASKED).exists():
            raise ChatConflict(gettext_noop("The patron has not answered your last screen-sharing question yet."))
        request = ScreenshareRequest.objects.create(chat=locked, operator=operator, meeting_url=url)
        # What the desk says in the chat is written in the patron's language, as the other notes are.
        post_system_message(
            chat=locked,
            body=in_patron_language(
                locked, gettext_noop("%(name)s offered a screen-sharing session."), name=operator.display_name
            ),
        )
        realtime.publish(realtime.chat_group(chat.pk), realtime.screenshare_requested_event(request))
    return request


def answer_screenshare(*, chat, request_id, accept: bool) -> ScreenshareRequest:
    """The patron's Yes or No. Only after Yes does the meeting link enter the chat.

    Publishes screenshare.answered (with the link after Yes) to the chat.
    """
    with transaction.atomic():
        request = (
            ScreenshareRequest.objects.select_for_update(of=("self",))
            .select_related("operator")
            .filter(pk=request_id, chat=chat)
            .first()
        )
        if request is None:
            raise ChatError(gettext_noop("That screen-sharing question was not found."), field="request")
        if request.status != ScreenshareRequest.Status.ASKED:
            raise ChatConflict(gettext_noop("You have already answered that question."))
        if Chat.objects.filter(pk=chat.pk, status=Chat.Status.ENDED).exists():
            raise ChatConflict(gettext_noop("This chat has ended."))
        request.status = ScreenshareRequest.Status.ACCEPTED if accept else ScreenshareRequest.Status.DECLINED
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "answered_at"])
        if accept:
            post_system_message(
                chat=chat,
                body=in_patron_language(
                    chat, gettext_noop("Join the screen-sharing session: %(url)s"), url=request.meeting_url
                ),
            )
        else:
            post_system_message(
                chat=chat,
                body=in_patron_language(chat, gettext_noop("The patron would rather not share their screen.")),
            )
        realtime.publish(realtime.chat_group(chat.pk), realtime.screenshare_answered_event(request))
    return request


def pending_request_frames(chat) -> list[dict]:
    """The unanswered question, for a patron socket that (re)connects."""
    request = ScreenshareRequest.objects.select_related("operator").filter(
        chat=chat, status=ScreenshareRequest.Status.ASKED
    )
    return [realtime.screenshare_requested_event(r) for r in request]
