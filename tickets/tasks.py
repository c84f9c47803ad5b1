"""Celery tasks of the tickets app. They take ids, reload rows, and do nothing twice."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deskservice import outbox
from tickets.mail import build_email
from tickets.models import OutgoingEmail

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return getattr(settings, "DESK_TICKET_MAIL_MAX_RETRIES", settings.DESK_TRANSCRIPT_MAX_RETRIES)


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_ticket_email(self, email_id: int) -> str:
    """Send one ticket email (reply, acknowledgement, referral) once; retry on the outbox
    schedule while SMTP fails, and mark it failed after DESK_TICKET_MAIL_MAX_RETRIES attempts.

    The row is locked while the mail goes out, so a retry racing a redelivery (a worker died
    after sending) cannot send it twice: the second one finds it sent.
    """
    with transaction.atomic():
        outgoing = (
            OutgoingEmail.objects.select_for_update(of=("self",))
            .select_related("ticket__queue", "ticket__external_team", "ticket__chat", "ticket_message__author")
            .filter(pk=email_id)
            .first()
        )
        if outgoing is None or outgoing.status != OutgoingEmail.Status.PENDING:
            return "nothing to do"
        outgoing.attempts += 1
        try:
            build_email(outgoing).send()
        except (smtplib.SMTPException, OSError) as error:
            outgoing.last_error = f"{type(error).__name__}: {error}"[:1000]
            gave_up = outgoing.attempts >= max_attempts()
            countdown = outbox.retry_countdown(outgoing.attempts)
            if gave_up:
                outgoing.status = OutgoingEmail.Status.FAILED
            else:
                outbox.schedule_retry(outgoing, countdown=countdown)
            outgoing.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if gave_up:
                logger.error("ticket email %s failed after %s attempts: %s", email_id, outgoing.attempts, error)
                return "failed"
        else:
            outgoing.status = OutgoingEmail.Status.SENT
            outgoing.sent_at = timezone.now()
            outgoing.last_error = ""
            outgoing.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            logger.info("ticket email %s (%s for #%s) sent", email_id, outgoing.kind, outgoing.ticket.number)
            return "sent"
    # Retry outside the transaction, after the attempt count is committed.
    logger.warning("ticket email %s: SMTP failed, retrying in %ss", email_id, countdown)
    raise self.retry(countdown=countdown)
