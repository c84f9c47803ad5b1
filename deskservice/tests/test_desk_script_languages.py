"""The staff pages' scripts get their words in the page's language (issue 11): each staff page
loads Django's JavaScript catalogue for the request's language, from the desk's own origin."""

import re

import pytest

pytestmark = pytest.mark.django_db
SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/desk/", "/tickets/"])
def test_it_loads_the_catalogue_of_the_requests_language_on_staff_pages(client, alice, path):
    client.force_login(alice)
    spanish = client.get(path, headers=SPANISH).content.decode()
    english = client.get(path, headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert 'src="/widget/i18n.js?lang=es"' in spanish
    assert 'src="/widget/i18n.js?lang=en"' in english


def test_it_loads_the_catalogue_as_a_script_the_pages_policy_allows(client, alice):
    client.force_login(alice)
    response = client.get("/desk/", headers=SPANISH)
    # script-src 'self' only: a same-origin file, never an inline script carrying the words.
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert all("src=" in attributes for attributes in SCRIPT.findall(response.content.decode()))
    catalogue = client.get("/widget/i18n.js?lang=es")
    assert catalogue.status_code == 200
    assert "javascript" in catalogue.headers["Content-Type"]


def test_the_catalogue_carries_the_desks_words_in_spanish_and_english_stays_english(client):
    spanish = client.get("/widget/i18n.js?lang=es").content.decode()
    for words in ("Atender chat", "Salir del chat", "Nuevo chat en espera en %(department)s", "%(count)s sin leer"):
        assert words in spanish
    english = client.get("/widget/i18n.js?lang=en").content.decode()
    assert "Atender chat" not in english


def test_nobody_signed_in_gets_no_catalogue(client):
    assert "i18n.js" not in client.get("/accounts/login/", headers=SPANISH).content.decode()
