"""Attachment bytes under PRIVATE_STORAGE_ROOT/chat: random names, no extensions, owner-only modes."""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def storage_root() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "chat"


def write(data: bytes) -> str:
    relative = f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    path = storage_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return relative


def path_of(relative: str) -> Path:
    path = (storage_root() / relative).resolve()
    # The stored path is ours, but never let a row point outside the storage directory.
    if storage_root().resolve() not in path.parents:
        raise FileNotFoundError(relative)
    return path


def remove(relative: str) -> None:
    try:
        path_of(relative).unlink()
    except FileNotFoundError:
        pass
