"""Guessing staff passwords: after AXES_FAILURE_LIMIT wrong tries the account is locked for that
address, even to the right password, while other operators and addresses sign in as usual."""

from django.test import Client

LOGIN = "/accounts/login/"


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_wrong_passwords_lock_the_account_for_that_address(alice, bob, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    statuses = [sign_in(client, "alice", guess).status_code for guess in ("letmein", "password1", "library")]
    assert statuses == [200, 200, 429]  # the form again, then locked at the third failure
    locked = sign_in(client, "alice", "pw-alice-2026")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert "_auth_user_id" not in client.session

    # Bob, and Alice from her own desk, are not locked out by someone else's guessing.
    assert sign_in(Client(), "bob", "pw-bob-2026").status_code == 302
    assert sign_in(Client(), "alice", "pw-alice-2026", address="198.51.100.20").status_code == 302
