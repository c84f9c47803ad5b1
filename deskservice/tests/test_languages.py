"""English and Spanish for patrons: chosen from the browser, switched in the widget, and kept
for the emails the desk sends them afterwards (issue 11)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from chat import services
from chat.models import Chat, Message
from chat.transcripts import build_transcript_email
from conftest import bring_online
from deskservice.languages import supported_language
from tickets.mail import build_email
from tickets.models import OutgoingEmail, Queue, Ticket

pytestmark = pytest.mark.django_db
DESK = "http://127.0.0.1:8000"
SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def start_chat_api(client, headers, query=""):
    return client.post(
        f"/api/widget/v1/chats{query}",
        json.dumps({"department": "research", "question": "¿Dónde están las tesis?", "name": "Pilar"}),
        content_type="application/json",
        headers={"Origin": DESK, **headers},
    )


def test_it_reads_supported_languages_from_codes_browsers_send():
    assert supported_language("es") == "es"
    assert supported_language("es-MX") == "es"
    assert supported_language("ES_es") == "es"
    assert supported_language("en-GB") == "en"
    assert supported_language("fr") is None
    assert supported_language("") is None
    assert supported_language(None) is None


def test_the_widget_speaks_the_browsers_language_and_switches_on_request(client, departments):
    spanish = client.get("/widget/", headers=SPANISH).content.decode()
    assert '<html lang="es">' in spanish
    assert "¿En qué podemos ayudarle?" in spanish and "Iniciar chat" in spanish
    # The switch offers English, keeping the department the library chose.
    assert (
        'href="?department=research&amp;lang=en"'
        in client.get("/widget/?department=research", headers=SPANISH).content.decode()
    )

    english = client.get("/widget/?lang=en", headers=SPANISH).content.decode()
    assert '<html lang="en">' in english and "How can we help?" in english
    assert 'hreflang="es"' in english
    # A language the desk does not have falls back to English, never an error.
    assert "How can we help?" in client.get("/widget/", headers={"Accept-Language": "fr"}).content.decode()


def test_the_widget_scripts_get_their_words_in_the_same_language(client):
    catalog = client.get("/widget/i18n.js?lang=es").content.decode()
    assert "Esperando a un bibliotecario" in catalog
    assert "Esperando a un bibliotecario" not in client.get("/widget/i18n.js?lang=en").content.decode()


def test_a_chat_keeps_the_patrons_language_for_what_the_desk_says(client, departments, alice):
    bring_online(alice)
    response = start_chat_api(client, SPANISH)
    assert response.status_code == 201
    chat = Chat.objects.get(pk=response.json()["id"])
    assert chat.language == "es"

    services.claim_chat(chat_id=chat.pk, operator=alice)
    joined = chat.messages.get(sender=Message.Sender.SYSTEM)
    assert joined.body == "Alice se ha unido al chat."

    message = build_transcript_email(chat, "pilar@example.org")
    assert message.subject.startswith("Su chat con Research & Instruction el ")
    assert "Su pregunta: ¿Dónde están las tesis?" in message.body
    assert "Gracias por consultar a la biblioteca." in message.body
    assert '<html lang="es">' in message.alternatives[0][0]


def test_the_switch_wins_over_the_browser_and_english_chats_stay_english(client, departments, alice):
    bring_online(alice)
    chat = Chat.objects.get(pk=start_chat_api(client, SPANISH, "?lang=en").json()["id"])
    assert chat.language == "en"
    services.claim_chat(chat_id=chat.pk, operator=alice)
    assert chat.messages.get(sender=Message.Sender.SYSTEM).body == "Alice has joined the chat."
    assert build_transcript_email(chat, "pat@example.org").subject.startswith("Your chat with Research & Instruction")


def test_refusals_reach_the_patron_in_their_language(client, departments):
    response = start_chat_api(client, SPANISH)  # nobody is online
    assert response.status_code == 409
    assert response.json()["error"].startswith("No hay nadie de Research & Instruction en línea")
    bad = client.post(
        "/api/widget/v1/chats",
        json.dumps({"department": "nowhere", "question": "?"}),
        content_type="application/json",
        headers={"Origin": DESK, **SPANISH},
    )
    assert bad.json() == {"error": "Elija uno de los departamentos de la biblioteca.", "field": "department"}


def test_a_question_left_in_spanish_is_acknowledged_in_spanish(client, departments):
    Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    response = client.post(
        "/api/widget/v1/tickets",
        json.dumps({"question": "¿Puedo renovar un préstamo?", "email": "pilar@example.org", "name": "Pilar"}),
        content_type="application/json",
        headers={"Origin": DESK, **SPANISH},
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=Ticket.pk_from_number(response.json()["number"]))
    assert ticket.language == "es"
    outgoing = OutgoingEmail.objects.get(ticket=ticket, kind=OutgoingEmail.Kind.ACKNOWLEDGEMENT)
    message = build_email(outgoing)
    assert message.body.startswith("Hola, Pilar:")
    assert f"Hemos recibido su pregunta y abierto la consulta n.º {ticket.number}." in message.body


# --- The translation files -------------------------------------------------------------------

SOURCES = ["manage.py", "deskservice", "chat", "tickets", "analytics", "faq", "templates", "static", "locale"]


def test_every_string_the_code_marks_is_translated_to_spanish(tmp_path):
    """Extract the strings afresh from a copy of the code (makemessages, as a translator would)
    and check the Spanish catalogues translate every one, with nothing fuzzy left."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    manage = [str(root / ".venv" / "bin" / "python"), "manage.py"]
    if not Path(manage[0]).exists():
        manage[0] = "python"
    for domain in ("django", "djangojs"):
        subprocess.run(
            [*manage, "makemessages", "-l", "es", "-d", domain, "--no-obsolete", "--ignore=tests"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        po = tmp_path / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po"
        stats = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
        )
        assert stats.returncode == 0, stats.stderr
        assert "untranslated" not in stats.stderr and "fuzzy" not in stats.stderr, (
            f"{domain}.po needs translating ({stats.stderr.strip()}): run makemessages -l es and fill in msgstr"
        )


def test_the_compiled_catalogues_are_the_ones_in_use():
    from django.utils import translation

    with translation.override("es"):
        assert translation.gettext("Start chat") == "Iniciar chat"
