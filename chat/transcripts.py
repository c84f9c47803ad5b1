"""The transcript of a chat as an email a patron can keep (plain text and HTML)."""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chat.models import Message
from deskservice.realtime import message_sender_name


def transcript_lines(chat) -> list[dict]:
    messages = chat.messages.select_related("operator").order_by("id")
    lines = []
    for message in messages:
        message.chat = chat
        lines.append(
            {
                "id": message.id,
                "staff": message.sender == Message.Sender.OPERATOR,
                "time": timezone.localtime(message.created_at),
                "system": message.sender == Message.Sender.SYSTEM,
                "name": message_sender_name(message),
                "body": message.body,
            }
        )
    return lines


def transcript_message_id(transcript) -> str:
    """The same Message-ID every time this transcript request is sent.

    A worker that dies between the SMTP server's 250 and recording *sent* sends the mail again
    when the task is redelivered; with the same Message-ID, mail clients show it once. The
    chat's random id makes it unique beyond this database (a restored backup reuses row ids).
    """
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<transcript-{transcript.pk}.{transcript.chat_id.hex}@{domain}>"


def build_transcript_email(chat, to_email: str, *, message_id: str | None = None) -> EmailMultiAlternatives:
    """The transcript in the patron's language (the one they chatted in)."""
    with translation.override(chat.language):
        context = {"chat": chat, "lines": transcript_lines(chat), "started": timezone.localtime(chat.created_at)}
        # Templates autoescape every patron- and operator-written string; nothing becomes markup.
        text = render_to_string("chat/email/transcript.txt", context)
        html = render_to_string("chat/email/transcript.html", context)
        subject = _("Your chat with %(department)s on %(date)s") % {
            "department": chat.department.name,
            "date": date_format(context["started"], "DATE_FORMAT"),
        }
    headers = {"Message-ID": message_id} if message_id else None
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to_email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message
