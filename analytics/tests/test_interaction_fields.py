"""The configurable fields of the interaction forms: READ scale, question and patron types, referral source."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from analytics.forms import ChatInteractionForm
from analytics.models import FormSettings, Interaction, PatronType, ReadScale, ReferralSource


def test_it_keeps_the_new_fields_optional_by_default(choices):
    form = ChatInteractionForm(data={"location": choices["virtual"].pk, "mode": "chat", "duration_minutes": 7})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["read_scale"] is None
    assert [name for name, field in form.fields.items() if field.required] == ["location", "mode", "duration_minutes"]


def test_it_requires_the_fields_the_supervisor_chose(choices):
    settings_row = FormSettings.load()
    settings_row.patron_type_required = settings_row.referral_source_required = True
    settings_row.save()
    form = ChatInteractionForm(data={"location": choices["virtual"].pk, "mode": "chat", "duration_minutes": 7})
    assert not form.is_valid()
    assert set(form.errors) == {"patron_type", "referral_source"}


def test_it_saves_every_field(choices):
    patron = PatronType.objects.create(name="Graduate student")
    referral = ReferralSource.objects.create(name="Faculty or instructor")
    form = ChatInteractionForm(
        data={
            "location": choices["virtual"].pk,
            "mode": "sms",
            "duration_minutes": 7,
            "question_type": choices["research"].pk,
            "read_scale": "5",
            "patron_type": patron.pk,
            "referral_source": referral.pk,
            "referred_by": "Prof. Ortiz",
        }
    )
    assert form.is_valid(), form.errors
    interaction = form.save()
    assert (interaction.read_scale, interaction.patron_type, interaction.referral_source) == (5, patron, referral)
    assert interaction.get_read_scale_display() == "5 · Substantial research, colleagues consulted"


def test_it_keeps_a_retired_choice_on_an_interaction_that_has_it(choices):
    interaction = Interaction.objects.create(
        mode="chat", location=choices["virtual"], duration_minutes=3, question_type=choices["technology"]
    )
    choices["technology"].active = False
    choices["technology"].save()
    assert choices["technology"] in ChatInteractionForm(instance=interaction).fields["question_type"].queryset
    assert choices["technology"] not in ChatInteractionForm().fields["question_type"].queryset


def test_the_end_chat_form_offers_only_chat_and_sms(choices):
    form = ChatInteractionForm()
    assert form.fields["mode"].choices == [("chat", "Chat"), ("sms", "SMS")]
    refused = ChatInteractionForm(data={"location": choices["virtual"].pk, "mode": "phone", "duration_minutes": 7})
    assert not refused.is_valid() and set(refused.errors) == {"mode"}
    # An interaction corrected in the admin to another mode keeps it when reopened.
    phone = Interaction.objects.create(mode="phone", location=choices["virtual"], duration_minutes=3)
    assert ChatInteractionForm(instance=phone).fields["mode"].choices == [
        ("chat", "Chat"),
        ("sms", "SMS"),
        ("phone", "Phone"),
    ]


def test_it_labels_the_read_scale_with_its_meaning():
    assert ReadScale.labels[0] == "1 · Directional: no expertise or resources"
    assert ReadScale.labels[5] == "6 · In-depth research, extended effort"


def test_it_keeps_one_settings_row(db):
    first = FormSettings.load()
    FormSettings(notes_required=True).save()
    assert FormSettings.objects.count() == 1
    assert FormSettings.load().notes_required is True
    assert FormSettings.load().pk == first.pk


@pytest.mark.parametrize("level", [0, 7])
def test_it_refuses_a_read_scale_outside_1_to_6_in_the_database(choices, level):
    with pytest.raises(IntegrityError):
        Interaction.objects.create(mode="chat", location=choices["virtual"], duration_minutes=3, read_scale=level)


def test_it_lets_supervisors_manage_choices_and_required_fields_in_admin(client, sam):
    client.force_login(sam)
    for model in ["location", "questiontype", "patrontype", "referralsource", "interaction"]:
        assert client.get(reverse(f"admin:analytics_{model}_changelist")).status_code == 200
    settings_row = FormSettings.load()
    url = reverse("admin:analytics_formsettings_change", args=[settings_row.pk])
    page = client.get(url).content.decode()
    assert "Location, mode and duration are always required." in page
    response = client.post(url, {"question_type_required": "on", "read_scale_required": "on"})
    assert response.status_code == 302
    assert FormSettings.load().required_fields() == {"question_type", "read_scale"}
    # One row only: no second one can be added, and it cannot be deleted.
    assert client.get(reverse("admin:analytics_formsettings_add")).status_code == 403
    assert client.get(reverse("admin:analytics_formsettings_delete", args=[settings_row.pk])).status_code == 403


@pytest.mark.django_db
def test_it_lets_only_those_who_configure_the_desk_create_the_required_fields_row(client, barb, sue):
    from deskservice.models import DeskSettings

    add = reverse("admin:analytics_formsettings_add")
    client.force_login(barb)
    assert client.get(add).status_code == 403
    assert client.post(add, {"notes_required": "on"}).status_code == 403
    assert not FormSettings.objects.exists()
    # The desk settings row: the same rule.
    assert client.get(reverse("admin:deskservice_desksettings_add")).status_code == 403
    assert not DeskSettings.objects.exists()

    client.force_login(sue)
    assert client.post(add, {"notes_required": "on"}).status_code == 302
    assert FormSettings.load().required_fields() == {"notes"}
    assert client.get(add).status_code == 403
