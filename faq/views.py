"""FAQ pages: the public answer page, and Make FAQ for staff."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from chat.models import Chat, Message
from chat.selectors import may_see_chat
from deskservice.languages import refusal
from deskservice.selectors import is_operator
from faq import services
from faq.forms import FaqEntryForm
from faq.models import FaqEntry
from tickets.models import TicketMessage
from tickets.selectors import ticket_by_number


def entry_page(request, slug):
    entry = get_object_or_404(FaqEntry.objects.select_related("department"), slug=slug, published=True)
    return render(request, "faq/entry.html", {"entry": entry})


def _is_id(value: str) -> bool:
    # isdigit() alone also accepts "²" and other digits that are no number to int().
    return value.isascii() and value.isdigit()


def _source(request) -> dict:
    """Question and answer from the chat or ticket the staff member came from (?chat=&message=, ?ticket=&message=)."""
    message_id = request.GET.get("message", "")
    if request.GET.get("chat"):
        try:
            chat = Chat.objects.select_related("department").filter(pk=uuid.UUID(request.GET["chat"])).first()
        except ValueError:
            chat = None
        # Another department's chat is answered like a missing one: its question and answers are
        # its department's to read (chat.selectors.may_see_chat), and its existence too.
        if chat is None or not may_see_chat(request.user, chat):
            raise Http404("That chat does not exist.")
        reply = (
            chat.messages.filter(pk=message_id, sender=Message.Sender.OPERATOR).first() if _is_id(message_id) else None
        )
        return {
            "initial": {
                "question": chat.question[:300],
                "answer": reply.body if reply else "",
                "department": chat.department,
            },
            "source_chat": chat,
        }
    if request.GET.get("ticket"):
        ticket = ticket_by_number(request.GET["ticket"])
        if ticket is None:
            raise Http404("That ticket does not exist.")
        reply = (
            TicketMessage.objects.filter(pk=message_id, ticket=ticket, kind="reply").first()
            if _is_id(message_id)
            else None
        )
        return {
            "initial": {
                "question": (ticket.subject if len(ticket.question) > 300 else ticket.question)[:300],
                "answer": reply.body if reply else "",
                "department": ticket.queue.department,
            },
            "source_ticket": ticket,
        }
    return {"initial": {}}


@login_required
@require_http_methods(["GET", "POST"])
def make_faq(request):
    """Make FAQ: a pre-filled form from a staff answer; Save creates the entry."""
    if not is_operator(request.user):
        raise PermissionDenied(gettext("Only operators can make FAQ entries."))
    source = _source(request)
    form = FaqEntryForm(request.POST or None, initial=source["initial"])
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.create_entry(
                actor=request.user,
                source_chat=source.get("source_chat"),
                source_ticket=source.get("source_ticket"),
                **form.cleaned_data,
            )
        except services.FaqError as error:
            form.add_error(error.field, refusal(error))
        else:
            return redirect(f"{request.path}?saved={entry.pk}")
    saved = (
        FaqEntry.objects.filter(pk=request.GET.get("saved", "")).first()
        if _is_id(request.GET.get("saved", ""))
        else None
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "faq/make.html", {"form": form, "saved": saved, **source}, status=status)
