"""The Reference Analytics form offered after a ticket is closed (Submit as Closed, or a status change)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from analytics.forms import TicketInteractionForm
from analytics.models import Interaction, Location
from analytics.services import record_ticket_interaction
from deskservice.selectors import is_operator
from tickets.models import Ticket
from tickets.selectors import ticket_by_number

# Tickets carry no record of the time spent on them: a typical answer, for the operator to correct.
TICKET_MINUTES = 10


def _initial(ticket) -> dict:
    initial = {"duration_minutes": TICKET_MINUTES}
    virtual = Location.objects.filter(active=True, name__iexact="Virtual").first()
    if virtual:
        initial["location"] = virtual.pk
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def ticket_interaction(request, number):
    if not is_operator(request.user):
        raise PermissionDenied(gettext("Only operators can record interactions."))
    ticket = ticket_by_number(number)
    if ticket is None:
        raise Http404("That ticket does not exist.")
    existing = Interaction.objects.filter(ticket=ticket, mode=Interaction.Mode.TICKET).first()
    saved = False
    if request.method == "POST":
        form = TicketInteractionForm(request.POST, instance=existing)
        if ticket.status != Ticket.Status.CLOSED:
            form.add_error(None, gettext("Close the ticket before recording its statistics."))
        elif form.is_valid():
            existing = record_ticket_interaction(ticket=ticket, operator=request.user, **form.cleaned_data)
            saved = True
            form = TicketInteractionForm(instance=existing)
    elif existing:
        form = TicketInteractionForm(instance=existing)
    else:
        form = TicketInteractionForm(initial=_initial(ticket))
    from tickets.views import NOTICE

    # What the closing step did ("Reply sent and ticket closed."), shown here where it led.
    notice = request.session.pop(NOTICE, "") if request.method == "GET" else ""
    return render(
        request,
        "analytics/ticket_interaction.html",
        {"form": form, "ticket": ticket, "saved": saved, "recorded": existing is not None, "notice": notice},
        status=400 if request.method == "POST" and not saved else 200,
    )
