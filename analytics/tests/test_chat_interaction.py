"""The Reference Analytics form the dashboard shows after End Chat (/analytics/chats/<id>/interaction)."""

import re
from datetime import timedelta

import pytest

from analytics.models import Interaction, Location
from chat import services
from chat.models import Chat


@pytest.fixture
def ended_chat(active_chat, alice):
    """Alice's chat, answered in 6 min 30 s (recorded as 7 minutes) and ended."""
    chat = services.end_chat(chat=active_chat, ended_by=Chat.EndedBy.OPERATOR, operator=alice)
    Chat.objects.filter(pk=chat.pk).update(claimed_at=chat.ended_at - timedelta(minutes=6, seconds=30))
    chat.refresh_from_db()
    return chat


def url(chat):
    return f"/analytics/chats/{chat.pk}/interaction"


def selected_option(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


def input_value(html, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html).group(1)


def test_it_prefills_mode_duration_and_the_virtual_location(client, ended_chat, alice, location):
    client.force_login(alice)
    response = client.get(url(ended_chat))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reference Analytics" in html
    assert selected_option(html, "mode") == "chat"
    assert input_value(html, "duration_minutes") == "7"
    assert selected_option(html, "location") == str(location.pk)


def test_it_requires_a_location(client, ended_chat, alice, location):
    client.force_login(alice)
    response = client.post(url(ended_chat), {"mode": "chat", "duration_minutes": "7"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("duration", ["0", "-3", "abc", "100000"])
def test_it_refuses_a_duration_that_is_not_a_number_of_minutes(client, ended_chat, alice, location, duration):
    client.force_login(alice)
    response = client.post(url(ended_chat), {"location": location.pk, "mode": "chat", "duration_minutes": duration})
    assert response.status_code == 400
    assert not Interaction.objects.exists()


def test_it_saves_the_interaction_without_the_patrons_identity(client, ended_chat, alice, location):
    client.force_login(alice)
    response = client.post(url(ended_chat), {"location": location.pk, "mode": "chat", "duration_minutes": "9"})
    assert response.status_code == 200
    assert "Saved. You can now close the chat." in response.content.decode()

    interaction = Interaction.objects.get()
    assert interaction.chat == ended_chat
    assert interaction.department == ended_chat.department
    assert interaction.operator == alice
    assert (interaction.mode, interaction.location, interaction.duration_minutes) == ("chat", location, 9)
    assert interaction.happened_at == ended_chat.created_at
    values = " ".join(str(v) for v in Interaction.objects.values().get().values())
    assert "Pat" not in values and "pat@example.org" not in values

    # Now Close Chat is allowed.
    services.close_chat(chat=ended_chat, operator=alice)


def test_saving_again_corrects_the_same_interaction(client, ended_chat, alice, location):
    client.force_login(alice)
    desk = Location.objects.create(name="Main desk")
    client.post(url(ended_chat), {"location": location.pk, "mode": "chat", "duration_minutes": "9"})
    client.post(url(ended_chat), {"location": desk.pk, "mode": "chat", "duration_minutes": "12"})
    interaction = Interaction.objects.get()
    assert (interaction.location, interaction.duration_minutes) == (desk, 12)
    html = client.get(url(ended_chat)).content.decode()
    assert "Statistics recorded." in html
    assert input_value(html, "duration_minutes") == "12"


def test_it_is_refused_before_end_chat(client, active_chat, alice, location):
    client.force_login(alice)
    response = client.post(url(active_chat), {"location": location.pk, "mode": "chat", "duration_minutes": "5"})
    assert response.status_code == 400
    assert "End the chat before recording its statistics." in response.content.decode()
    assert not Interaction.objects.exists()


def test_another_operator_cannot_see_or_save_it(client, ended_chat, bob, carmen, stranger, location):
    data = {"location": location.pk, "mode": "chat", "duration_minutes": "5"}
    for user in (bob, carmen, stranger):
        client.force_login(user)
        assert client.get(url(ended_chat)).status_code == 403
        assert client.post(url(ended_chat), data).status_code == 403
    client.logout()
    assert client.post(url(ended_chat), data).status_code == 403
    assert not Interaction.objects.exists()


def test_an_unknown_chat_is_404(client, alice):
    client.force_login(alice)
    assert client.get("/analytics/chats/00000000-0000-0000-0000-000000000000/interaction").status_code == 404


def test_it_tells_referral_source_and_referred_by_apart(client, ended_chat, alice, location):
    client.force_login(alice)
    html = client.get(url(ended_chat)).content.decode()
    assert '<label for="id_referral_source">Referral source</label>' in html
    assert '<label for="id_referred_by">Referred by (who sent the patron to us)</label>' in html
    # Each says what goes in it, tied to its field for screen readers.
    source_help = re.search(r'<span class="helptext" id="id_referral_source_helptext">([^<]*)</span>', html)
    by_help = re.search(r'<span class="helptext" id="id_referred_by_helptext">([^<]*)</span>', html)
    assert source_help.group(1) == "What kind of source sent the patron to us: pick one from the list."
    assert by_help.group(1).startswith("A name, in your own words")
    assert 'aria-describedby="id_referred_by_helptext"' in html
