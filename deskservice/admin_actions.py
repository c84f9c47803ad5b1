"""Admin actions that act through the services, so the admin obeys the same rules (and writes
the same audit rows) as the dashboard."""

from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from deskservice.languages import refusal
from deskservice.selectors import desk_staff


def choose_operator_then(request, queryset, *, action: str, question: str, button: str, apply):
    """Shows a page to pick an operator; once picked, calls `apply(obj, operator)` for each row
    and reports what worked and what was refused (with the service's reason)."""
    if "apply" not in request.POST:
        context = {
            "title": button,
            "question": question,
            "queryset": queryset,
            "action": action,
            "operators": desk_staff().order_by("first_name", "username"),
            "button": button,
        }
        return TemplateResponse(request, "admin/choose_operator.html", context)
    operator = desk_staff().filter(pk=request.POST.get("operator")).first()
    if operator is None:
        messages.error(request, gettext("Choose an operator."))
        return None
    run_each(request, queryset, lambda obj: apply(obj, operator))
    return None


def run_each(request, queryset, do):
    done, refused = 0, []
    for obj in queryset:
        try:
            do(obj)
            done += 1
        except Exception as error:  # the services' refusals (ChatError, TicketError...) name the reason
            refused.append(f"{obj}: {refusal(error)}")
    if done:
        messages.success(request, gettext("Done for %(done)s of %(total)s.") % {"done": done, "total": len(queryset)})
    for line in refused[:10]:
        messages.warning(request, line)
