"""The Celery task that sends an SMS reply once, retrying while the provider is unreachable."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat.services import post_system_message
from chat.sms.base import SendFailed, get_provider
from chat.sms.models import OutgoingSms

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
            outgoing.provider_id = get_provider().send(to=outgoing.to_phone, body=outgoing.body)
        except SendFailed as error:
            outgoing.last_error = str(error)[:1000]
            gave_up = not error.retry or outgoing.attempts >= settings.DESK_SMS_MAX_RETRIES
            if gave_up:
                outgoing.status = OutgoingSms.Status.FAILED
            outgoing.save(update_fields=["attempts", "last_error", "status"])
            if gave_up:
                logger.error("SMS %s failed after %s attempts: %s", outgoing_id, outgoing.attempts, error)
                # The operator must know the patron never got it; system notes are not texted.
                post_system_message(
                    chat=outgoing.message.chat, body=f"This reply could not be sent as a text ({error})."
                )
                return "failed"
            countdown = min(600, 2**outgoing.attempts)
        else:
            outgoing.status = OutgoingSms.Status.SENT
            outgoing.sent_at = timezone.now()
            outgoing.last_error = ""
            outgoing.save(update_fields=["attempts", "provider_id", "status", "sent_at", "last_error"])
            return "sent"
    logger.warning("SMS %s: provider unavailable, retrying in %ss", outgoing_id, countdown)
    raise self.retry(countdown=countdown)
