"""Record interaction: the form a student assistant fills in for a walk-in or phone question."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from analytics.forms import RecordInteractionForm
from analytics.models import Interaction
from analytics.services import record_form_initial, record_interaction
from deskservice.models import Department
from deskservice.selectors import is_operator


def _departments_of(user):
    if user.is_superuser:
        return Department.objects.filter(active=True)
    return user.departments.filter(active=True)


def _initial(user, departments) -> dict:
    initial = record_form_initial(user)
    if not initial.get("department"):
        only = list(departments.values_list("pk", flat=True)[:2])
        if len(only) == 1:
            initial["department"] = only[0]
    return initial


def _just_recorded(request):
    pk = request.GET.get("recorded", "")
    # isdigit() alone also accepts "²" and other digits that are no number to int().
    if not (pk.isascii() and pk.isdigit()):
        return None
    return Interaction.objects.select_related("location", "question_type").filter(pk=pk, operator=request.user).first()


@login_required
@require_http_methods(["GET", "POST"])
def record_page(request):
    if not is_operator(request.user):
        raise PermissionDenied(gettext("Only operators of a department can record interactions."))
    departments = _departments_of(request.user)
    if request.method == "POST":
        form = RecordInteractionForm(request.POST, departments=departments)
        if form.is_valid():
            interaction = record_interaction(operator=request.user, **form.cleaned_data)
            # Redirect so that reloading the page cannot record the same question twice.
            return redirect(f"{reverse('analytics:record')}?recorded={interaction.pk}")
    else:
        form = RecordInteractionForm(initial=_initial(request.user, departments), departments=departments)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "form": form,
        "recorded": _just_recorded(request) if request.method == "GET" else None,
        "today_count": Interaction.objects.filter(operator=request.user, happened_at__gte=midnight).count(),
    }
    return render(request, "analytics/record.html", context, status=400 if form.errors else 200)
