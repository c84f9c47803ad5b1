from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analytics.models import FormSettings, Interaction, Location, PatronType, QuestionType, ReadScale, ReferralSource

# The interaction fields every form shares; location, mode and duration come first and are always required.
INTERACTION_FIELDS = [
    "location",
    "mode",
    "duration_minutes",
    "question_type",
    "read_scale",
    "patron_type",
    "referral_source",
    "referred_by",
    "notes",
]


# "Mode" alone is ambiguous in Spanish: it is the way the question reached the desk.
MODE = pgettext_lazy("interaction mode", "Mode")


def _active_choices(model, current_id=None):
    """Active choices, plus the one an existing interaction already holds even if retired since."""
    active = model.objects.filter(active=True)
    if current_id:
        return active | model.objects.filter(pk=current_id)
    return active


class InteractionFieldsForm(forms.ModelForm):
    """Location, mode and duration are always required; supervisors choose which other fields are."""

    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.filter(active=True), empty_label=_("Choose a location")
    )
    mode = forms.ChoiceField(label=MODE, choices=Interaction.Mode.choices)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=24 * 60)
    question_type = forms.ModelChoiceField(
        label=_("Question type"), queryset=QuestionType.objects.none(), required=False, empty_label="—"
    )
    read_scale = forms.TypedChoiceField(
        label=_("READ scale"),
        choices=[("", "—"), *ReadScale.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Effort the answer took, from 1 (directional) to 6 (in-depth research)."),
    )
    patron_type = forms.ModelChoiceField(
        label=_("Patron type"), queryset=PatronType.objects.none(), required=False, empty_label="—"
    )
    # Label and help text from the model (referred_by is generated from it): the kind of source
    # and the name of who referred the patron must not read alike.
    referral_source = forms.ModelChoiceField(
        label=_("Referral source"),
        help_text=Interaction._meta.get_field("referral_source").help_text,
        queryset=ReferralSource.objects.none(),
        required=False,
        empty_label="—",
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Interaction
        fields = INTERACTION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in [
            ("location", Location),
            ("question_type", QuestionType),
            ("patron_type", PatronType),
            ("referral_source", ReferralSource),
        ]:
            self.fields[name].queryset = _active_choices(model, getattr(self.instance, f"{name}_id", None))
        for name in FormSettings.load().required_fields():
            if name in self.fields:
                self.fields[name].required = True


class ChatInteractionForm(InteractionFieldsForm):
    """The Reference Analytics form shown after End Chat: a chat came by the web or by SMS."""

    CHAT_MODES = (Interaction.Mode.CHAT, Interaction.Mode.SMS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        modes = list(self.CHAT_MODES)
        # A record corrected in the admin to another mode keeps it when reopened here.
        if self.instance.pk and self.instance.mode not in modes:
            modes.append(Interaction.Mode(self.instance.mode))
        self.fields["mode"].choices = [(mode.value, mode.label) for mode in modes]


class TicketInteractionForm(InteractionFieldsForm):
    """The same form after a ticket is closed: the mode is always ticket, so it is not asked."""

    class Meta:
        model = Interaction
        fields = [name for name in INTERACTION_FIELDS if name != "mode"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mode"]


class RecordInteractionForm(InteractionFieldsForm):
    """Record interaction: a walk-in or phone question, typed in a few seconds with the keyboard alone."""

    mode = forms.ChoiceField(label=MODE, choices=[(m.value, m.label) for m in Interaction.DESK_MODES])
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False, empty_label="—")
    # One line, so that Enter submits from every field.
    notes = forms.CharField(label=_("Notes"), required=False, max_length=1000)

    class Meta:
        model = Interaction
        fields = [
            "mode",
            "question_type",
            "read_scale",
            "duration_minutes",
            "location",
            "department",
            "patron_type",
            "referral_source",
            "referred_by",
            "notes",
        ]

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["mode"].widget.attrs["autofocus"] = True


class ReportFilterForm(forms.Form):
    """The date range and filters of the reports page; every field may be left empty."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, empty_label=_("All departments")
    )
    mode = forms.ChoiceField(label=MODE, choices=[("", _("All modes")), *Interaction.Mode.choices], required=False)
    operator = forms.ModelChoiceField(
        label=_("Operator"), queryset=None, required=False, empty_label=_("All operators")
    )
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.all(), required=False, empty_label=_("All locations")
    )

    MAX_DAYS = 3 * 366
    # The desk's statistics live in these years; a date near year 9999 overflows the day after
    # the range that the reports compute.
    YEARS = (1900, 2999)

    def __init__(self, *args, departments, operators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["operator"].queryset = operators
        self.fields["operator"].label_from_instance = lambda user: user.get_full_name() or user.get_username()

    def clean_start(self):
        return self._within_years(self.cleaned_data["start"])

    def clean_end(self):
        return self._within_years(self.cleaned_data["end"])

    def _within_years(self, day):
        first, last = self.YEARS
        if not first <= day.year <= last:
            raise forms.ValidationError(
                _("Choose a date between the years %(first)s and %(last)s.") % {"first": first, "last": last}
            )
        return day

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            if (end - start).days >= self.MAX_DAYS:
                raise forms.ValidationError(_("Choose a range of at most three years."))
        return cleaned
