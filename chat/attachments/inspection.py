"""What a file really is, from its bytes: the name and the browser's claimed type are not trusted.

`filetype` (pure Python, no system library) recognises images, PDF and the Office Open XML
formats by their signatures; plain text is recognised here as valid UTF-8 without control
characters. Office files are zips, so their directory is checked before anything is kept.
"""

import io
import zipfile

import filetype
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

EXTENSIONS = {
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
    "text/plain": {"txt", "text", "log", "csv", "md"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
}
TEXT_CONTROLS = set(range(0, 9)) | {11, 12} | set(range(14, 32)) | {127}


class Refused(Exception):
    """The file is not accepted; `str(error)` tells the patron why (deskservice.languages.refusal)."""


def inspect(data: bytes, filename: str) -> str:
    """The file's type found from its content, once every rule passed; raises Refused otherwise."""
    if not data:
        raise Refused(gettext_noop("That file is empty."))
    if len(data) > settings.DESK_ATTACHMENT_MAX_BYTES:
        raise Refused(
            gettext("That file is too large (at most %(size)s).")
            % {"size": _megabytes(settings.DESK_ATTACHMENT_MAX_BYTES)}
        )
    kind = sniff(data)
    if kind is None or kind not in settings.DESK_ATTACHMENT_ALLOWED_TYPES:
        raise Refused(
            gettext_noop("That kind of file cannot be sent. Send an image, a PDF, a text or an Office document.")
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS.get(kind, {extension}):
        raise Refused(
            gettext("The file's name ends in “.%(extension)s” but its content is not that kind of file.")
            % {"extension": extension[:10]}
        )
    if kind.startswith("application/vnd.openxmlformats"):
        check_zip(data)
    return kind


def sniff(data: bytes) -> str | None:
    guess = filetype.guess(data)
    if guess is not None:
        return guess.mime
    return "text/plain" if _is_text(data) else None


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(char) in TEXT_CONTROLS for char in text[:65536])


def check_zip(data: bytes) -> None:
    """Refuse a zip whose declared contents would unpack past the limits: a zip bomb, whether or
    not the operator's Office program would fall for it. Nothing is unpacked here."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise Refused(gettext_noop("That Office document is damaged and cannot be sent.")) from None
    if len(members) > 5000:
        raise Refused(gettext_noop("That Office document holds too many parts to be safe to open."))
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    if (
        unpacked > settings.DESK_ATTACHMENT_MAX_UNPACKED_BYTES
        or unpacked / packed > settings.DESK_ATTACHMENT_MAX_ZIP_RATIO
    ):
        raise Refused(gettext_noop("That Office document would unpack to an unsafe size (it looks like a zip bomb)."))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"
