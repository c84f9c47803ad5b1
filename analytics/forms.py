from django import forms

from analytics.models import Interaction, Location


class ChatInteractionForm(forms.ModelForm):
    """The Reference Analytics form shown after End Chat. Location, mode and duration are required."""

    location = forms.ModelChoiceField(queryset=Location.objects.filter(active=True), empty_label="Choose a location")
    mode = forms.ChoiceField(choices=Interaction.Mode.choices)
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1, max_value=24 * 60)
    referred_by = forms.CharField(label="Referred by", required=False, max_length=100)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Interaction
        fields = ["location", "mode", "duration_minutes", "referred_by", "notes"]
