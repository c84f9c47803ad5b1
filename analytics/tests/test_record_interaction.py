"""Record interaction: operators only, keyboard defaults, required fields, and ready for the next one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import FormSettings, Interaction, Location, QuestionType

URL = reverse("analytics:record")


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def selected(form, name):
    return form[name].value()


def test_it_sends_signed_out_visitors_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_is_for_operators_only(client, stranger):
    client.force_login(stranger)
    assert client.get(URL).status_code == 403


def test_it_offers_keyboard_defaults(signed_in, choices, departments):
    response = signed_in.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert selected(form, "mode") == "in_person"
    assert selected(form, "duration_minutes") == 5
    # alice works in one department only: it is filled in.
    assert selected(form, "department") == departments["research"].pk
    page = response.content.decode()
    assert '<select name="mode" autofocus' in page
    assert "analytics/record.js" in page


def test_it_remembers_the_location_of_the_last_question_recorded_here(signed_in, alice, choices, departments):
    other = Location.objects.create(name="Branch library")
    Interaction.objects.create(
        mode="phone",
        location=other,
        duration_minutes=3,
        operator=alice,
        happened_at=timezone.now() - timedelta(hours=2),
    )
    Interaction.objects.create(mode="in_person", location=choices["desk"], duration_minutes=3, operator=alice)
    # A chat recorded later does not move the desk the operator stands at.
    Interaction.objects.create(mode="chat", location=choices["virtual"], duration_minutes=9, operator=alice)
    assert selected(signed_in.get(URL).context["form"], "location") == choices["desk"].pk


def test_it_records_a_walk_in_question_and_is_ready_for_the_next(signed_in, alice, choices, departments):
    response = signed_in.post(
        URL,
        {
            "mode": "in_person",
            "question_type": choices["directional"].pk,
            "read_scale": "1",
            "duration_minutes": "2",
            "location": choices["desk"].pk,
            "department": departments["research"].pk,
        },
    )
    interaction = Interaction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?recorded={interaction.pk}"
    assert (interaction.mode, interaction.duration_minutes, interaction.read_scale) == ("in_person", 2, 1)
    assert (interaction.operator, interaction.department, interaction.question_type) == (
        alice,
        departments["research"],
        choices["directional"],
    )
    assert interaction.chat is None
    assert timezone.now() - interaction.happened_at < timedelta(minutes=1)

    page = signed_in.get(response["Location"])
    text = page.content.decode()
    assert "Recorded: In person, 2 min, Directional at Main desk." in text
    assert "1 recorded by you today" in text
    form = page.context["form"]
    assert selected(form, "location") == choices["desk"].pk
    assert selected(form, "duration_minutes") == 5


def test_it_requires_location_mode_and_duration(signed_in, choices):
    response = signed_in.post(URL, {"mode": "", "duration_minutes": "", "location": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"mode", "duration_minutes", "location"}
    assert not Interaction.objects.exists()


def test_it_refuses_chat_as_a_mode(signed_in, choices):
    response = signed_in.post(URL, {"mode": "chat", "duration_minutes": "5", "location": choices["desk"].pk})
    assert response.status_code == 400
    assert "mode" in response.context["form"].errors


def test_it_requires_what_the_supervisor_made_required(signed_in, choices):
    settings_row = FormSettings.load()
    settings_row.question_type_required = settings_row.read_scale_required = True
    settings_row.save()
    data = {"mode": "phone", "duration_minutes": "5", "location": choices["desk"].pk}
    response = signed_in.post(URL, data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"question_type", "read_scale"}
    assert "Question type *" in response.content.decode()

    response = signed_in.post(URL, {**data, "question_type": choices["research"].pk, "read_scale": "4"})
    assert response.status_code == 302


def test_it_offers_only_active_choices(signed_in, choices):
    QuestionType.objects.filter(pk=choices["technology"].pk).update(active=False)
    form = signed_in.get(URL).context["form"]
    assert list(form.fields["question_type"].queryset) == [choices["directional"], choices["research"]]


def test_it_does_not_show_someone_elses_interaction_as_recorded(signed_in, bob, choices):
    theirs = Interaction.objects.create(mode="phone", location=choices["desk"], duration_minutes=3, operator=bob)
    assert signed_in.get(URL, {"recorded": theirs.pk}).context["recorded"] is None
    assert signed_in.get(URL, {"recorded": "nonsense"}).context["recorded"] is None


def test_it_ignores_a_recorded_id_made_of_other_digits(signed_in, choices):
    # "²".isdigit() is true, but it is no number: this was a 500.
    for odd in ("²", "١٢", "3²"):
        response = signed_in.get(URL, {"recorded": odd})
        assert response.status_code == 200 and response.context["recorded"] is None
