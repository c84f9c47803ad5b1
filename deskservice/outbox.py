"""The desk's outbox: transcript emails, ticket emails and SMS replies, each a row with a status.

Each row is sent by its own Celery task (chat.tasks, tickets.tasks, chat.sms.tasks), which
locks the row and does nothing once it is sent, so queueing a row twice sends it once. This
module holds what the three share:

- the retry schedule: doubling waits from DESK_OUTBOX_RETRY_FIRST_SECONDS up to
  DESK_OUTBOX_RETRY_MAX_SECONDS, so that a mail server down for hours is waited out;
- `enqueue`: queue a row's task after commit; with the broker (Redis) down the row stays
  pending, saying so, instead of failing the request that wrote it;
- the sweep (Celery beat): a pending row whose next attempt is long overdue lost its task
  (the broker was down when it was queued, or Redis lost it) and is queued again;
- `send_again`: a supervisor puts a failed row back in the outbox.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# The start of last_error on a row the broker refused: the page that shows the row says why it waits.
NOT_QUEUED = "Not queued yet"
ERASED = "Never sent: the address was erased (retention or a patron's request)."
PENDING, FAILED = "pending", "failed"


def retry_countdown(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt (1, 2, ...): 2, 4, 8... up to the cap."""
    first, cap = settings.DESK_OUTBOX_RETRY_FIRST_SECONDS, settings.DESK_OUTBOX_RETRY_MAX_SECONDS
    # The exponent is bounded so that a row retried for days never builds a huge integer.
    return min(cap, first * 2 ** min(max(attempts, 1) - 1, 32))


def retry_schedule(max_attempts: int) -> list[int]:
    """The waits between `max_attempts` attempts: the row is marked failed after the last one."""
    return [retry_countdown(attempt) for attempt in range(1, max_attempts)]


def schedule_retry(row, *, countdown: int) -> None:
    """Note on the row when its retry is due, so the sweep can tell a waiting row from a lost one."""
    row.next_attempt_at = timezone.now() + timedelta(seconds=countdown)


def enqueue(task, model, pk: int) -> bool:
    """Queue `task(pk)`; False, with the row left pending and saying why, when the broker is down.

    Called after commit: the row exists whatever happens here, and the sweep queues it again
    once the broker is back. Never raises for a broker outage, so that an operator's reply or a
    patron's request is not answered with an error after it was saved.
    """
    try:
        task.delay(pk)
    except OperationalError as error:
        note = f"{NOT_QUEUED} (the task queue was unreachable: {error}); it will be sent once the queue is back."
        model.objects.filter(pk=pk, status=PENDING).update(last_error=note[:1000])
        logger.warning("%s %s not queued, the sweep will queue it: %s", model._meta.model_name, pk, error)
        return False
    return True


@dataclass(frozen=True)
class Outbox:
    name: str
    model: type
    task: object
    address: str  # the recipient's field; retention and erasure empty it


def outboxes() -> list[Outbox]:
    # Imported here: the task modules import this one.
    from chat.models import TranscriptEmail
    from chat.sms.models import OutgoingSms
    from chat.sms.tasks import send_sms
    from chat.tasks import send_transcript
    from tickets.models import OutgoingEmail
    from tickets.tasks import send_ticket_email

    return [
        Outbox("transcripts", TranscriptEmail, send_transcript, "to_email"),
        Outbox("ticket_emails", OutgoingEmail, send_ticket_email, "to_email"),
        Outbox("sms", OutgoingSms, send_sms, "to_phone"),
    ]


def sweep(*, now=None) -> dict:
    """Queue again every pending row whose next attempt is DESK_OUTBOX_STALE_SECONDS overdue.

    A row waiting for a retry has its next attempt in the future and is left alone; one whose
    task was lost is overdue. Rows older than DESK_OUTBOX_GIVE_UP_HOURS are marked failed
    instead (a transcript a day late is no longer wanted; a supervisor can Send again), and so
    are rows whose address was erased (retention, a patron's request). Two sweeps at once
    queue a row at most twice, and its task sends it once.
    """
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.DESK_OUTBOX_STALE_SECONDS)
    too_old = now - timedelta(hours=settings.DESK_OUTBOX_GIVE_UP_HOURS)
    counts = {}
    for box in outboxes():
        stuck = box.model.objects.filter(status=PENDING, next_attempt_at__lt=overdue)
        given_up = stuck.filter(created_at__lt=too_old).update(status=FAILED, last_error=_too_old())
        given_up += stuck.filter(**{box.address: ""}).update(status=FAILED, last_error=ERASED)
        requeued = 0
        for pk in stuck.order_by("pk").values_list("pk", flat=True)[: settings.DESK_OUTBOX_SWEEP_BATCH]:
            # The conditional update claims the row: a sweep running beside this one skips it.
            if not box.model.objects.filter(pk=pk, status=PENDING, next_attempt_at__lt=overdue).update(
                next_attempt_at=now
            ):
                continue
            if not enqueue(box.task, box.model, pk):
                break  # the broker is down: the next sweep tries again
            requeued += 1
        counts[box.name] = {"requeued": requeued, "failed": given_up}
        if requeued or given_up:
            logger.warning("outbox sweep: %s %s queued again, %s given up", box.name, requeued, given_up)
    return counts


def _too_old() -> str:
    return f"Never sent: its task was lost and it is over {settings.DESK_OUTBOX_GIVE_UP_HOURS} hours old."


class NotFailed(Exception):
    """Only a failed row can be sent again; `str(error)` says why this one was not."""


def send_again(*, model, task, pk: int):
    """Put a failed row back in the outbox with a fresh set of attempts, and queue it on commit."""
    with transaction.atomic():
        row = model.objects.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None:
            raise NotFailed(gettext_noop("It no longer exists."))
        if row.status != FAILED:
            raise NotFailed(gettext("It is %(status)s, not failed.") % {"status": row.get_status_display().lower()})
        if not (getattr(row, "to_email", "") or getattr(row, "to_phone", "")):
            raise NotFailed(gettext_noop("Its address was erased (retention or a patron's request)."))
        row.status, row.attempts, row.last_error, row.next_attempt_at = PENDING, 0, "", timezone.now()
        row.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
        transaction.on_commit(lambda: enqueue(task, model, pk))
    return row
