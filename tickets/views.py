"""The ticket pages: lists, Answers > Create, Create Ticket from a chat, and the ticket page.

Views parse the form, check that the user is an operator, and call a service; a TicketError
becomes a form error on the same page (400, 403 or 409), never a 500.
"""

import functools
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat.models import Chat
from deskservice import audit
from deskservice.languages import refusal
from deskservice.selectors import is_operator
from tickets import selectors, services
from tickets.attachments import attachment_path
from tickets.forms import (
    ChatTicketForm,
    CreateTicketForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    TakeForm,
    TicketFilterForm,
    TransferForm,
)
from tickets.models import Queue, Ticket, TicketAttachment

NOTICE = "tickets_notice"


def operator_required(view):
    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_operator(request.user):
            raise PermissionDenied(gettext("Only operators of a department can work on tickets."))
        return view(request, *args, **kwargs)

    return wrapper


# --- Lists ----------------------------------------------------------------------------------


@require_GET
@operator_required
def ticket_list(request):
    form = TicketFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.ticket_list(request.user, filters), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "views": selectors.VIEWS,
            "view_label": selectors.VIEWS.get(filters.view, ""),
            "counts": selectors.ticket_counts_for(request.user),
            "query": query.urlencode(),
            "view_query": _without(query, "view"),
        },
    )


def _without(query, key):
    copy = query.copy()
    copy.pop(key, None)
    return copy.urlencode()


@require_GET
@operator_required
def ticket_counts(request):
    """The dashboard's two numbers, for its first paint; updates come as tickets.counts events."""
    return JsonResponse(selectors.ticket_counts_for(request.user))


# --- Creating -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@operator_required
def ticket_new(request):
    chat = _chat_from_request(request)
    if chat is not None:
        return _new_from_chat(request, chat)
    default_queue = Queue.objects.filter(is_default=True).first()
    form = CreateTicketForm(request.POST or None, initial={"queue": default_queue, "source": Ticket.Source.PHONE})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.create_ticket(
                    question=data["question"],
                    email=data["email"],
                    name=data["name"],
                    phone=data["phone"],
                    subject=data["subject"],
                    source=data["source"],
                    queue=data["queue"],
                    assignee=data["assignee"],
                    note=data["note"],
                    operator=request.user,
                    acknowledge=False,
                )
            except services.TicketError as error:
                status = _form_error(form, error)
            else:
                return _created(request, ticket)
        else:
            status = 400
    return render(request, "tickets/new.html", {"form": form, "chat": None}, status=status)


def _new_from_chat(request, chat):
    existing = Ticket.objects.filter(chat=chat).first()
    initial = {
        "queue": Queue.objects.filter(is_default=True).first(),
        "name": chat.patron_name,
        "email": chat.patron_email,
        "question": chat.question,
    }
    if chat.source == Chat.Source.SMS:
        # A question too long for SMS becomes a full ticket (manuals): the texts are the question,
        # and the patron's name and email, asked for by text, are required.
        from chat.sms.services import sms_ticket_initial

        initial.update(sms_ticket_initial(chat))
    form = ChatTicketForm(request.POST or None, initial=initial)
    form.fields["name"].required = chat.source == Chat.Source.SMS
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.create_ticket_from_chat(
                    chat=chat,
                    operator=request.user,
                    queue=data["queue"],
                    assignee=data["assignee"],
                    note=data["note"],
                    email=data["email"],
                    name=data["name"],
                    phone=data["phone"],
                    question=data["question"],
                )
            except services.TicketError as error:
                status = _form_error(form, error)
                existing = Ticket.objects.filter(chat=chat).first()
            else:
                return _created(request, ticket)
        else:
            status = 400
    from chat.transcripts import transcript_lines

    context = {"form": form, "chat": chat, "existing": existing, "transcript": transcript_lines(chat)}
    return render(request, "tickets/new.html", context, status=status)


def _chat_from_request(request):
    raw = request.POST.get("chat") or request.GET.get("chat")
    if not raw:
        return None
    try:
        chat_id = uuid.UUID(str(raw))
    except ValueError:
        raise Http404("No chat has that id.") from None
    chat = Chat.objects.select_related("department", "operator").filter(pk=chat_id).first()
    if chat is None:
        raise Http404("No chat has that id.")
    if not selectors.may_create_ticket_from(request.user, chat):
        raise PermissionDenied(
            gettext("Only operators of %(department)s can create a ticket from this chat.")
            % {"department": chat.department.name}
        )
    return chat


def _created(request, ticket):
    request.session[NOTICE] = gettext("Ticket #%(number)s created.") % {"number": ticket.number}
    return redirect("tickets:detail", number=ticket.number)


# --- The ticket page ------------------------------------------------------------------------


@require_GET
@operator_required
def ticket_detail(request, number):
    ticket = _ticket_or_404(number)
    return _detail(request, ticket)


@require_POST
@operator_required
def ticket_reply(request, number):
    ticket = _ticket_or_404(number)
    form = ReplyForm(request.POST)
    close = "close" in request.POST

    def act(data):
        services.reply_to_ticket(
            ticket=ticket, operator=request.user, body=data["body"], close=close, expected_version=data["version"]
        )
        if close:
            return gettext("Reply sent and ticket closed.")
        return gettext("Reply sent; the ticket waits for the patron (pending).")

    return _act(request, ticket, form, act, tab="reply", form_name="reply_form", closes=lambda data: close)


@require_POST
@operator_required
def ticket_note(request, number):
    ticket = _ticket_or_404(number)

    def act(data):
        services.add_internal_note(ticket=ticket, operator=request.user, body=data["body"])
        return gettext("Internal note added.")

    return _act(request, ticket, NoteForm(request.POST), act, tab="note", form_name="note_form")


@require_POST
@operator_required
def ticket_status(request, number):
    ticket = _ticket_or_404(number)

    def act(data):
        changed = services.change_ticket_status(
            ticket=ticket, operator=request.user, status=data["status"], expected_version=data["version"]
        )
        return gettext("Status is now %(status)s.") % {"status": changed.get_status_display().lower()}

    return _act(
        request,
        ticket,
        StatusForm(request.POST),
        act,
        tab=None,
        form_name="status_form",
        closes=lambda data: data["status"] == Ticket.Status.CLOSED,
    )


@require_POST
@operator_required
def ticket_transfer(request, number):
    ticket = _ticket_or_404(number)

    def act(data):
        changed = services.transfer_ticket(
            ticket=ticket,
            operator=request.user,
            queue=data["queue"],
            assignee=data["assignee"],
            team=data["team"],
            note=data["note"],
            close=data["close"],
            expected_version=data["version"],
        )
        return _transfer_notice(changed, data)

    return _act(
        request,
        ticket,
        TransferForm(request.POST),
        act,
        tab="transfer",
        form_name="transfer_form",
        closes=lambda data: data["close"],
    )


@require_POST
@operator_required
def ticket_take(request, number):
    ticket = _ticket_or_404(number)

    def act(data):
        services.take_ticket(ticket=ticket, operator=request.user, expected_version=data["version"])
        return gettext("The ticket is assigned to you.")

    return _act(request, ticket, TakeForm(request.POST), act, tab=None, form_name="take_form")


def _transfer_notice(ticket, data) -> str:
    # Whole sentences, closed or not, so that each language words them its own way.
    close = data["close"]
    if data["team"]:
        sentence = (
            gettext("Referred to %(team)s; they have been emailed the ticket and closed.")
            if close
            else gettext("Referred to %(team)s; they have been emailed the ticket.")
        )
    elif ticket.assignee_id:
        sentence = (
            gettext("Assigned to %(name)s in %(queue)s and closed.")
            if close
            else gettext("Assigned to %(name)s in %(queue)s.")
        )
    else:
        sentence = (
            gettext("Left unassigned in %(queue)s and closed.") if close else gettext("Left unassigned in %(queue)s.")
        )
    return sentence % {
        "team": data["team"].name if data["team"] else "",
        "name": ticket.assignee.display_name if ticket.assignee_id else "",
        "queue": ticket.queue.name,
    }


def _act(request, ticket, form, act, *, tab, form_name, closes=lambda data: False):
    """Validate, call the service, and redirect; or show the page again with the error and the
    operator's text still in the form."""
    if form.is_valid():
        try:
            notice = act(form.cleaned_data)
        except services.TicketError as error:
            status = _form_error(form, error)
            ticket = _ticket_or_404(ticket.number)
            if isinstance(error, services.TicketConflict) and "version" in form.fields:
                # Show the newest ticket, and let the operator send again once they have read it.
                form.data = form.data.copy()
                form.data["version"] = ticket.version
        else:
            if services.mail_waits_for_queue(ticket):
                notice += " " + gettext(services.MAIL_WAITING)
            request.session[NOTICE] = notice
            if closes(form.cleaned_data):
                # Closing offers the Reference Analytics form, as End Chat does.
                return redirect("analytics:ticket_interaction", number=ticket.number)
            return redirect(reverse("tickets:detail", kwargs={"number": ticket.number}) + "#conversation")
    else:
        status = 400
    return _detail(request, ticket, forms={form_name: form}, tab=tab, status=status)


def _detail(request, ticket, *, forms=None, tab=None, status=200):
    from chat.transcripts import transcript_lines

    version = {"version": ticket.version}
    if ticket.chat_id and request.method == "GET":
        audit.record(
            actor=request.user, action=audit.Action.VIEWED_TRANSCRIPT, target=ticket.chat, via=f"ticket {ticket.number}"
        )
    context = {
        "ticket": ticket,
        "entries": selectors.conversation(ticket),
        "question_files": ticket.attachments.filter(message__isnull=True),
        "history": selectors.history(ticket),
        "transcript": transcript_lines(ticket.chat) if ticket.chat_id else None,
        "reply_form": ReplyForm(initial=version),
        "note_form": NoteForm(),
        "status_form": StatusForm(initial={**version, "status": ticket.status}),
        "transfer_form": TransferForm(initial={**version, "queue": ticket.queue, "assignee": ticket.assignee}),
        "take_form": TakeForm(initial=version),
        "tab": tab or "reply",
        "notice": request.session.pop(NOTICE, ""),
        "next_statuses": _statuses_from(ticket),
    }
    context.update(forms or {})
    return render(request, "tickets/detail.html", context, status=status)


def _statuses_from(ticket) -> list:
    """The current status and those the flow allows next, for the status menu."""
    return [Ticket.Status(s) for s in Ticket.Status.values if s == ticket.status or ticket.can_move_to(s)]


def _ticket_or_404(number) -> Ticket:
    ticket = selectors.ticket_by_number(number)
    if ticket is None:
        raise Http404(f"There is no ticket #{number}.")
    return ticket


def _form_error(form, error) -> int:
    field = error.field if error.field in form.fields else None
    form.add_error(field, refusal(error))
    return error.status_code


# --- Attachments ------------------------------------------------------------------------------


@require_GET
@operator_required
def attachment_download(request, attachment_id):
    """Always a download (never shown inline), with a type the browser will not sniff or run."""
    attachment = TicketAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("No such attachment.")
    try:
        handle = open(attachment_path(attachment), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise Http404("The file of this attachment is missing from storage.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type="application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
