"""Scheduled work of the desk as a whole (Celery beat: CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from deskservice.retention import anonymise_expired


@shared_task(name="deskservice.anonymise_expired_patron_data")
def anonymise_expired_patron_data() -> dict:
    """Daily: patron data past the retention period goes; the statistics stay. Safe to repeat."""
    return anonymise_expired().as_dict()


@shared_task(name="deskservice.sweep_outbox")
def sweep_outbox() -> dict:
    """Every few minutes: pending mail and texts whose task was lost are queued again. Safe to repeat."""
    from deskservice import outbox

    return outbox.sweep()
