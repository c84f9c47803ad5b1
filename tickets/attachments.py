"""Files that arrive with email, kept under PRIVATE_STORAGE_ROOT (never a published directory).

They are stored under random names without extensions and only ever served to signed-in
staff as downloads, so nothing a sender attaches is rendered or executed by the desk.
"""

import hashlib
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from tickets.models import TicketAttachment

UNSAFE_FILENAME = re.compile(r"[^\w.\- ()+,@]+", re.UNICODE)


def storage_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "tickets"


def safe_filename(name: str) -> str:
    """A filename fit for Content-Disposition: no directories, control characters or quotes."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_FILENAME.sub("_", name).strip(" ._")
    if not name:
        return "attachment"
    stem, dot, ext = name.rpartition(".")
    if dot and len(name) > 150:
        return f"{stem[: 150 - len(ext) - 1]}.{ext[:20]}"
    return name[:150]


def store_attachment(*, ticket, message=None, filename: str, content_type: str, data: bytes) -> TicketAttachment:
    """Write the bytes to private storage and record them; the file is readable by the desk only."""
    now = timezone.now()
    relative = f"{now:%Y/%m}/{uuid.uuid4().hex}"
    path = storage_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return TicketAttachment.objects.create(
        ticket=ticket,
        message=message,
        filename=safe_filename(filename),
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        path=relative,
    )


def attachment_path(attachment: TicketAttachment) -> Path:
    path = (storage_root() / attachment.path).resolve()
    # The stored path is ours, but never let a row point outside the storage directory.
    if storage_root().resolve() not in path.parents:
        raise FileNotFoundError(attachment.path)
    return path
