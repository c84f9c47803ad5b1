"""The Reference Analytics form for an ended chat, served as an HTML fragment the dashboard shows."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from analytics.forms import ChatInteractionForm
from analytics.models import Interaction
from analytics.services import chat_interaction_initial, record_chat_interaction
from chat.models import Chat
from deskservice.selectors import is_operator


@require_http_methods(["GET", "POST"])
def chat_interaction(request, chat_id):
    if not request.user.is_authenticated or not is_operator(request.user):
        raise PermissionDenied(gettext("Only operators can record interactions."))
    chat = Chat.objects.select_related("department").filter(pk=chat_id).first()
    if chat is None:
        raise Http404("That chat does not exist.")
    if chat.operator_id != request.user.id:
        raise PermissionDenied(gettext("This chat belongs to another operator."))
    existing = Interaction.objects.filter(chat=chat).first()
    saved = False
    if request.method == "POST":
        if chat.status != Chat.Status.ENDED:
            form = ChatInteractionForm(request.POST, instance=existing)
            form.add_error(None, gettext("End the chat before recording its statistics."))
        else:
            form = ChatInteractionForm(request.POST, instance=existing)
            if form.is_valid():
                existing = record_chat_interaction(chat=chat, operator=request.user, **form.cleaned_data)
                saved = True
                form = ChatInteractionForm(instance=existing)
    elif existing:
        form = ChatInteractionForm(instance=existing)
    else:
        form = ChatInteractionForm(initial=chat_interaction_initial(chat))
    status = 400 if request.method == "POST" and not saved else 200
    return render(
        request,
        "analytics/chat_interaction_form.html",
        {"form": form, "chat": chat, "saved": saved, "recorded": existing is not None},
        status=status,
    )
