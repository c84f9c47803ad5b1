"""Each operator's alert settings (issue 12): sound and desktop pop-ups, and for which alerts;
kept on the server, sent in the dashboard snapshot, saved through /desk/api/alert-preferences."""

import json

import pytest
from django.test import Client

from chat.consumers import DashboardConsumer
from deskservice.models import AlertPreferences
from deskservice.services import AlertPreferencesError, save_alert_preferences

pytestmark = pytest.mark.django_db
URL = "/desk/api/alert-preferences"
ALL_ON = {"sound": True, "popups": True, "new_chats": True, "transfer_requests": True, "internal_messages": True}


def as_user(user, **options):
    client = Client(**options)
    client.force_login(user)
    return client


def post(client, payload):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json")


def snapshot_of(user):
    consumer = DashboardConsumer()
    consumer.user = user
    return consumer._snapshot()


def test_every_alert_is_on_until_the_operator_changes_it(alice):
    assert as_user(alice).get(URL).json() == ALL_ON
    assert snapshot_of(alice)["alert_preferences"] == ALL_ON
    assert not AlertPreferences.objects.exists()


def test_an_operator_saves_their_own_settings_and_the_snapshot_carries_them(alice, bob):
    answer = post(as_user(alice), {"sound": False, "internal_messages": False})
    expected = {**ALL_ON, "sound": False, "internal_messages": False}
    assert (answer.status_code, answer.json()) == (200, expected)
    assert snapshot_of(alice)["alert_preferences"] == expected
    # Saving one setting later keeps the others.
    assert post(as_user(alice), {"popups": False}).json() == {**expected, "popups": False}
    # Bob's dashboard is not Alice's.
    assert snapshot_of(bob)["alert_preferences"] == ALL_ON


@pytest.mark.parametrize(
    "payload,field,error",
    [
        ({"sound": "off"}, "sound", "sound must be true or false."),
        ({"popups": None}, "popups", "popups must be true or false."),
        ({"new_chats": 0}, "new_chats", "new_chats must be true or false."),
        ({"volume": 11}, "volume", "“volume” is not an alert setting."),
    ],
)
def test_it_refuses_what_is_not_a_setting_with_a_clear_error(alice, payload, field, error):
    answer = post(as_user(alice), {"sound": False, **payload})
    assert (answer.status_code, answer.json()) == (400, {"error": error, "field": field})
    assert as_user(alice).get(URL).json() == ALL_ON  # nothing half-saved


def test_it_refuses_a_body_that_is_not_a_json_object(alice):
    for body in ("not json", "[true]"):
        answer = post(as_user(alice), body)
        assert answer.status_code == 400 and answer.json()["error"]


def test_it_is_for_signed_in_operators_only(client, stranger):
    assert (post(client, {"sound": False}).status_code, client.get(URL).status_code) == (401, 401)
    refused = post(as_user(stranger), {"sound": False})
    assert (refused.status_code, refused.json()) == (403, {"error": "Only operators of a department can do this."})
    assert not AlertPreferences.objects.exists()


def test_it_needs_the_csrf_token(alice):
    assert post(as_user(alice, enforce_csrf_checks=True), {"sound": False}).status_code == 403
    assert not AlertPreferences.objects.exists()


def test_the_service_refuses_before_saving_anything(alice):
    with pytest.raises(AlertPreferencesError):
        save_alert_preferences(user=alice, changes={"sound": False, "popups": "no"})
    assert not AlertPreferences.objects.exists()
    assert save_alert_preferences(user=alice, changes={}).as_dict() == ALL_ON
