"""Celery tasks of the chat app. They take ids, reload rows, and do nothing twice."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat.abandoned import end_abandoned_chats
from chat.models import TranscriptEmail
from chat.transcripts import build_transcript_email, transcript_message_id
from deskservice import outbox

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_transcript(self, transcript_id: int) -> str:
    """Send one transcript email once; retry on the outbox schedule while SMTP fails, and mark
    it failed after DESK_TRANSCRIPT_MAX_RETRIES attempts.

    The row is locked while the mail goes out, so two deliveries of the same task (a retry
    racing a redelivery after a worker died, or a sweep) cannot both send it. A failed row is
    left alone too: only Send again (admin) puts it back in the outbox.
    """
    with transaction.atomic():
        transcript = (
            TranscriptEmail.objects.select_for_update()
            .select_related("chat__department")
            .filter(pk=transcript_id)
            .first()
        )
        if transcript is None or transcript.status != TranscriptEmail.Status.PENDING:
            return "nothing to do"
        transcript.attempts += 1
        try:
            build_transcript_email(
                transcript.chat, transcript.to_email, message_id=transcript_message_id(transcript)
            ).send()
        except (smtplib.SMTPException, OSError) as error:
            transcript.last_error = f"{type(error).__name__}: {error}"[:1000]
            gave_up = transcript.attempts >= settings.DESK_TRANSCRIPT_MAX_RETRIES
            countdown = outbox.retry_countdown(transcript.attempts)
            if gave_up:
                transcript.status = TranscriptEmail.Status.FAILED
            else:
                outbox.schedule_retry(transcript, countdown=countdown)
            transcript.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if gave_up:
                logger.error("transcript %s failed after %s attempts: %s", transcript_id, transcript.attempts, error)
                return "failed"
        else:
            transcript.status = TranscriptEmail.Status.SENT
            transcript.sent_at = timezone.now()
            transcript.last_error = ""
            transcript.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            logger.info("transcript %s sent to chat %s's patron", transcript_id, transcript.chat.short_id)
            return "sent"
    # Retry outside the transaction, after the attempt count is committed.
    logger.warning("transcript %s: SMTP failed, retrying in %ss", transcript_id, countdown)
    raise self.retry(countdown=countdown)


@shared_task(name="chat.end_abandoned_waiting_chats")
def end_abandoned_waiting_chats() -> int:
    """Beat runs this every few minutes; ending a chat twice is impossible (it must be waiting)."""
    return end_abandoned_chats()


# The SMS task lives with the SMS code; the worker finds tasks through this module.
from chat.sms.tasks import send_sms  # noqa: E402, F401
