"""The audit log: who viewed, moved, closed or exported patron data, and when.

Services call `record` inside their own transaction, so an entry exists exactly when the
change does. Entries are append-only (see AuditEntry).
"""

from deskservice.models import AuditEntry

Action = AuditEntry.Action


def record(*, actor, action: str, target=None, object_type: str = "", object_id="", **detail) -> AuditEntry:
    """Write one entry. `target` (a chat, a ticket...) names the object unless given explicitly."""
    if target is not None:
        object_type = object_type or target._meta.model_name
        object_id = object_id or target.pk
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None and actor.pk else "")[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        detail=detail,
    )
