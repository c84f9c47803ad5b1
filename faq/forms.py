from django import forms
from django.utils.translation import gettext_lazy as _

from faq.models import FaqEntry


class FaqEntryForm(forms.ModelForm):
    link = forms.URLField(label=_("More information"), required=False, assume_scheme="https")

    class Meta:
        model = FaqEntry
        fields = ["question", "answer", "department", "topics", "link", "published"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 8}), "question": forms.TextInput(attrs={"size": 80})}
