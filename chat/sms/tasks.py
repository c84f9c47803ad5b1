"""The Celery task that sends an SMS reply once, retrying while the provider is unreachable."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chat.services import post_system_message
from chat.sms.base import SendFailed, get_provider
from chat.sms.models import OutgoingSms
from deskservice import outbox

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_sms(self, outgoing_id: int) -> str:
    """Send one OutgoingSms; nothing when it is already sent or failed.

    The row stays locked while the provider is called, so a retry racing a redelivery (after a
    worker died) cannot send the text twice.
    """
    with transaction.atomic():
        outgoing = (
            OutgoingSms.objects.select_for_update(of=("self",))
            .select_related("message__chat")
            .filter(pk=outgoing_id)
            .first()
        )
        if outgoing is None or outgoing.status != OutgoingSms.Status.PENDING:
            return "nothing to do"
        outgoing.attempts += 1
        try:
            outgoing.provider_id = _provider().send(to=outgoing.to_phone, body=outgoing.body)
        except SendFailed as error:
            outgoing.last_error = str(error)[:1000]
            gave_up = not error.retry or outgoing.attempts >= settings.DESK_SMS_MAX_RETRIES
            countdown = outbox.retry_countdown(outgoing.attempts)
            if gave_up:
                outgoing.status = OutgoingSms.Status.FAILED
            else:
                outbox.schedule_retry(outgoing, countdown=countdown)
            outgoing.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if gave_up:
                logger.error("SMS %s failed after %s attempts: %s", outgoing_id, outgoing.attempts, error)
                # The operator must know the patron never got it; system notes are not texted.
                # Written by the worker, in the desk's language (settings.LANGUAGE_CODE).
                post_system_message(
                    chat=outgoing.message.chat,
                    body=gettext("This reply could not be sent as a text (%(error)s).") % {"error": error},
                )
                return "failed"
        else:
            outgoing.status = OutgoingSms.Status.SENT
            outgoing.sent_at = timezone.now()
            outgoing.last_error = ""
            outgoing.save(update_fields=["attempts", "provider_id", "status", "sent_at", "last_error"])
            return "sent"
    logger.warning("SMS %s: provider unavailable, retrying in %ss", outgoing_id, countdown)
    raise self.retry(countdown=countdown)


def _provider():
    try:
        return get_provider()
    except ImproperlyConfigured as error:
        # A setting is wrong (an unknown DESK_SMS_PROVIDER, no TWILIO_AUTH_TOKEN): waiting will
        # not mend it, and the operator must hear that the patron did not get the text.
        raise SendFailed(f"SMS is not configured: {error}", retry=False) from None
