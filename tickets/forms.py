"""Forms of the ticket pages. They validate what a person typed; services enforce the rules."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets import selectors
from tickets.mail import one_line
from tickets.models import ExternalTeam, Queue, Ticket
from tickets.services import MAX_BODY, MAX_QUESTION

PHONE = re.compile(r"^[0-9+()./\-\s#xXextEXT]*$")
MANUAL_SOURCES = [
    (Ticket.Source.PHONE, Ticket.Source.PHONE.label),
    (Ticket.Source.WALK_IN, Ticket.Source.WALK_IN.label),
    (Ticket.Source.SMS, Ticket.Source.SMS.label),
    (Ticket.Source.EMAIL, Ticket.Source.EMAIL.label),
]


class OperatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        full = user.get_full_name()
        return f"{full} ({user.username})" if full else user.display_name


def _one_line_field(value: str, limit: int) -> str:
    # Names and subjects reach mail headers: CR/LF never survive.
    return one_line(value, limit)


class PatronFields(forms.Form):
    name = forms.CharField(label=_("Patron name"), max_length=100, required=False)
    email = forms.EmailField(
        label=pgettext_lazy("address", "Email"), max_length=254, help_text=_("Required: replies go here.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_QUESTION)

    def clean_name(self):
        return _one_line_field(self.cleaned_data["name"], 100)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise forms.ValidationError(_("Use digits, spaces and + ( ) - only."))
        return phone


class TicketAssignmentFields(forms.Form):
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.all(), empty_label=None)
    assignee = OperatorChoiceField(
        label=_("Assign to"), queryset=selectors.assignable_operators(), required=False, empty_label=_("Unassigned")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.order_by("name")
        self.fields["assignee"].queryset = selectors.assignable_operators()


class CreateTicketForm(PatronFields, TicketAssignmentFields):
    """Answers > Create: a phone, SMS or walk-in question typed in by the operator."""

    subject = forms.CharField(
        label=_("Subject"), max_length=120, required=False, help_text=_("Defaults to the question.")
    )
    source = forms.ChoiceField(label=_("Asked by"), choices=MANUAL_SOURCES, initial=Ticket.Source.PHONE)
    note = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_BODY
    )

    field_order = ["name", "email", "phone", "source", "subject", "question", "queue", "assignee", "note"]

    def clean_subject(self):
        return _one_line_field(self.cleaned_data["subject"], 120)


class ChatTicketForm(PatronFields, TicketAssignmentFields):
    """Create Ticket from a chat: the patron's contact and question come from the chat."""

    note = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_BODY
    )

    field_order = ["queue", "assignee", "note", "name", "email", "phone", "question"]


class TicketPageForm(forms.Form):
    """The ticket page holds several forms: each gets its own id prefix so labels point at the right field."""

    id_prefix = "ticket"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class VersionedForm(TicketPageForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReplyForm(VersionedForm):
    id_prefix = "reply"
    body = forms.CharField(
        label=pgettext_lazy("noun: a reply to the patron", "Reply"),
        widget=forms.Textarea(attrs={"rows": 7}),
        max_length=MAX_BODY,
    )


class NoteForm(TicketPageForm):
    id_prefix = "note"
    body = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_BODY)


class StatusForm(VersionedForm):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)


class TransferForm(VersionedForm, TicketAssignmentFields):
    id_prefix = "transfer"
    team = forms.ModelChoiceField(
        label=_("External team"),
        queryset=ExternalTeam.objects.filter(active=True),
        required=False,
        empty_label=_("None: keep it in the library"),
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_BODY,
        help_text=_("Sent to the external team with the question and transcript; otherwise kept as an internal note."),
    )
    close = forms.BooleanField(label=_("Close the ticket on our side"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = ExternalTeam.objects.filter(active=True).order_by("name")


class TakeForm(VersionedForm):
    id_prefix = "take"


class TicketFilterForm(forms.Form):
    view = forms.ChoiceField(choices=list(selectors.VIEWS.items()), required=False)
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    queue = forms.ModelChoiceField(
        label=_("Queue"), queryset=Queue.objects.all(), required=False, empty_label=_("All queues")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open and pending")), ("all", _("Any status")), *Ticket.Status.choices],
        required=False,
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any source")), *Ticket.Source.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.order_by("name")

    def filters(self) -> selectors.TicketFilters:
        # Keep what is valid: a bad queue id in the URL must not also drop the search.
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status") or ""
        return selectors.TicketFilters(
            view=data.get("view") or "mine",
            q=data.get("q") or "",
            queue=data.get("queue"),
            status="" if status == "all" else status,
            source=data.get("source") or "",
            include_closed=status == "all",
        )
