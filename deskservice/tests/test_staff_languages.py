"""The staff side in English and Spanish (issue 11): the pages follow the browser or the switch in
the top bar, and what the services say is translated where it is shown, in the reader's language."""

import re
from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from analytics import rollup
from analytics.models import Interaction, Location
from chat import services as chat_services
from chat.models import Message
from conftest import bring_online
from faq.models import FaqEntry
from tickets import services as ticket_services
from tickets.models import Queue

pytestmark = pytest.mark.django_db
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


@pytest.fixture
def ticket(departments, alice):
    queue = Queue.objects.create(name="Research help", slug="research-help", department=departments["research"])
    return ticket_services.create_ticket(
        question="¿Dónde están las tesis de 1990?",
        email="pilar@example.org",
        name="Pilar",
        source="phone",
        queue=queue,
        operator=alice,
    )


@pytest.fixture
def as_sam(client, sam):
    Location.objects.create(name="Virtual")
    client.force_login(sam)
    return client


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode()).group(1)


# What each page is known by, and a few of its buttons and labels, in both languages.
PAGES = {
    "/desk/": (
        # The Claim Chat buttons are drawn by the dashboard's scripts; the transfer dialog names them.
        ["Patron Chats", "Canned Messages", "End Chat", "Close Chat", "Create Ticket", "Internal Chat", "Claim Chat"],
        [
            "Chats de usuarios",
            "Mensajes predefinidos",
            "Terminar chat",
            "Cerrar chat",
            "Crear consulta",
            "Chat interno",
            "Atender chat",
        ],
    ),
    "/tickets/": (
        ["<h1>Tickets</h1>", ">Filter</button>", "My tickets", "Sign out"],
        ["<h1>Consultas</h1>", ">Filtrar</button>", "Mis consultas", "Cerrar sesión"],
    ),
    "/analytics/reports/": (
        ["<h1>Reference Analytics</h1>", "Download CSV", "Interactions by location", "Busiest hours"],
        ["<h1>Estadísticas de referencia</h1>", "Descargar CSV", "Interacciones por lugar", "Horas de más actividad"],
    ),
    "/analytics/record/": (
        ["<h1>Record interaction</h1>", ">Location *</label>", ">Duration (minutes) *</label>", ">Save</button>"],
        ["<h1>Registrar interacción</h1>", ">Lugar *</label>", ">Duración (minutos) *</label>", ">Guardar</button>"],
    ),
}


@pytest.mark.parametrize("path", PAGES)
def test_it_serves_staff_pages_in_english_unless_the_browser_asks_for_spanish(as_sam, path):
    english_words, spanish_words = PAGES[path]
    english = as_sam.get(path)
    assert english.status_code == 200 and html_lang(english) == "en"
    for words in english_words:
        assert words in english.content.decode(), words
    spanish = as_sam.get(path, headers=SPANISH)
    assert spanish.status_code == 200 and html_lang(spanish) == "es"
    page = spanish.content.decode()
    for words in spanish_words:
        assert words in page, words
    for words in english_words:
        assert words not in page, f"{words!r} left in English"


def test_the_ticket_page_names_its_actions_in_spanish(as_sam, ticket):
    page = as_sam.get(f"/tickets/{ticket.number}/", headers=SPANISH).content.decode()
    assert html_lang_of(page) == "es"
    for words in [">Responder</button>", ">Enviar y cerrar</button>", "Nota interna", ">Asignar/Transferir</button>"]:
        assert words in page, words
    assert ">Asignármela</button>" in page and ">Actualizar estado</button>" in page
    # The ticket's status, source and form choices come from the models, in Spanish too.
    assert '<span class="tk-badge tk-status-open">Abierta</span>' in page
    assert "<span>Teléfono</span>" in page and "— Sin asignar" not in page
    english = as_sam.get(f"/tickets/{ticket.number}/").content.decode()
    assert ">Submit as Closed</button>" in english and '<span class="tk-badge tk-status-open">Open</span>' in english


def html_lang_of(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def test_the_sign_in_page_and_djangos_own_errors_are_spanish_together(client, alice):
    page = client.get("/accounts/login/", headers=SPANISH).content.decode()
    assert html_lang_of(page) == "es"
    assert "Inicie sesión en el servicio" in page and ">Nombre de usuario</label>" in page
    assert ">Iniciar sesión</button>" in page
    # Django's own sentence for a wrong password: the same language as the page around it.
    refused = client.post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}, headers=SPANISH
    ).content.decode()
    assert "Por favor, introduzca un nombre de usuario y clave correctos" in refused
    english = client.get("/accounts/login/").content.decode()
    assert html_lang_of(english) == "en" and "Sign in to the desk" in english


def test_a_form_shown_again_with_errors_is_spanish_throughout(client, alice):
    client.force_login(alice)
    Location.objects.create(name="Virtual")
    response = client.post("/analytics/record/", {"mode": "phone"}, headers=SPANISH)
    assert response.status_code == 400
    page = response.content.decode()
    assert ">Lugar *</label>" in page and "Este campo es obligatorio." in page
    assert "Elija un lugar" in page  # the form's empty choice


# --- The switch ------------------------------------------------------------------------------


def test_the_switch_in_the_top_bar_offers_the_other_language_and_comes_back_to_the_page(client, alice, ticket):
    client.force_login(alice)
    page = client.get(f"/tickets/{ticket.number}/?tab=note").content.decode()
    switch = re.search(r'<form class="site-language".*?</form>', page, re.S).group(0)
    assert 'action="/i18n/setlang/"' in switch and 'aria-label="Language"' in switch
    assert 'name="csrfmiddlewaretoken"' in switch
    assert f'name="next" value="/tickets/{ticket.number}/?tab=note"' in switch
    assert '<button type="submit" name="language" value="es" lang="es" class="button subtle">Español</button>' in switch
    assert 'value="en"' not in switch

    response = client.post("/i18n/setlang/", {"language": "es", "next": f"/tickets/{ticket.number}/?tab=note"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}/?tab=note"
    assert response.cookies["django_language"].value == "es"
    assert response.cookies["django_language"]["max-age"] == 365 * 24 * 60 * 60

    # The choice wins over the browser's English from now on, on every page.
    spanish = client.get(f"/tickets/{ticket.number}/", headers={"Accept-Language": "en-US,en"}).content.decode()
    assert html_lang_of(spanish) == "es" and ">Enviar y cerrar</button>" in spanish
    assert 'aria-label="Idioma"' in spanish
    assert 'value="en" lang="en" class="button subtle">English</button>' in spanish
    client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    assert html_lang(client.get("/desk/", headers=SPANISH)) == "en"


def test_the_switch_needs_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/i18n/setlang/", {"language": "es", "next": "/desk/"}).status_code == 403


def test_the_switch_is_on_the_sign_in_page_and_leaves_out_a_lang_parameter(client, db):
    page = client.get("/accounts/login/?next=/desk/&lang=es").content.decode()
    # ?lang=es would win over the choice when set_language sends the person back.
    assert 'name="next" value="/accounts/login/?next=%2Fdesk%2F"' in page
    assert "lang=es" not in re.search(r'<form class="site-language".*?</form>', page, re.S).group(0)
    assert 'value="en" lang="en" class="button subtle">English</button>' in page


def test_after_a_post_the_switch_goes_back_to_the_page_the_form_was_on(client, alice, ticket):
    """A form shown again with its errors lives at its POST address; set_language then uses the Referer."""
    client.force_login(alice)
    page = client.post(f"/tickets/{ticket.number}/note", {"body": ""}).content.decode()
    switch = re.search(r'<form class="site-language".*?</form>', page, re.S).group(0)
    assert 'name="next"' not in switch
    back = client.post(
        "/i18n/setlang/", {"language": "es"}, headers={"Referer": f"http://testserver/tickets/{ticket.number}/"}
    )
    assert back["Location"] == f"http://testserver/tickets/{ticket.number}/"


# --- What the services say -------------------------------------------------------------------


def test_refusals_reach_the_operator_in_their_language(client, departments, alice, bob):
    bring_online(alice)
    chat, _token = chat_services.start_chat(department=departments["research"], question="Hours?")
    chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    client.force_login(bob)
    # Translated as it was raised (it names who claimed the chat)...
    taken = client.post(f"/desk/api/chats/{chat.pk}/claim", headers=SPANISH)
    assert taken.status_code == 409 and taken.json()["error"] == "Alice ya está atendiendo este chat."
    # ...or where it is shown (a fixed sentence, marked with gettext_noop by the service).
    client.force_login(alice)
    early = client.post(f"/desk/api/chats/{chat.pk}/close", headers=SPANISH)
    assert early.status_code == 409 and early.json()["error"] == "Termine el chat antes de cerrarlo."
    assert client.post(f"/desk/api/chats/{chat.pk}/close").json()["error"] == "End the chat before closing it."


def test_a_ticket_conflict_is_explained_in_spanish_on_the_page(client, alice, bob, ticket):
    ticket_services.add_internal_note(ticket=ticket, operator=bob, body="Called her back.")
    client.force_login(alice)
    response = client.post(f"/tickets/{ticket.number}/reply", {"body": "Here they are.", "version": 1}, headers=SPANISH)
    assert response.status_code == 409
    assert "Bob añadió una nota interna mientras usted trabajaba en ella, así que no se guardó nada." in (
        response.content.decode()
    )


def test_the_notice_after_an_action_is_in_the_operators_language(client, alice, ticket):
    client.force_login(alice)
    client.post(f"/tickets/{ticket.number}/note", {"body": "Checked the catalogue."}, headers=SPANISH)
    page = client.get(f"/tickets/{ticket.number}/", headers=SPANISH).content.decode()
    assert "Nota interna añadida." in page


def test_the_history_keeps_one_language_and_shows_it_in_the_readers(client, alice, ticket):
    client.force_login(alice)
    # A Spanish-speaking operator moves the ticket; the row stores the desk's words...
    client.post(f"/tickets/{ticket.number}/status", {"status": "pending", "version": 1}, headers=SPANISH)
    change = ticket.changes.get(field="status")
    assert (change.old_value, change.new_value) == ("Open", "Pending")
    assert ticket.changes.get(field="created").new_value == "Phone"
    # ...and each reader sees them in theirs.
    spanish = client.get(f"/tickets/{ticket.number}/", headers=SPANISH).content.decode()
    assert "Abierta → <b>Pendiente</b>" in spanish and "la creó (Teléfono)" in spanish
    english = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Open → <b>Pending</b>" in english and "created it (Phone)" in english


def test_the_desk_tells_a_spanish_speaking_patron_about_their_ticket_in_spanish(client, departments, alice):
    bring_online(alice)
    chat, _token = chat_services.start_chat(
        department=departments["research"], question="¿Tienen microfilm?", language="es"
    )
    chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    queue = Queue.objects.create(name="Research help", slug="research-help", is_default=True)
    # The operator works in English; the note in the chat is written for the patron.
    created = ticket_services.create_ticket_from_chat(chat=chat, operator=alice, queue=queue, email="pilar@example.org")
    note = chat.messages.filter(sender=Message.Sender.SYSTEM).last()
    assert note.body == (
        f"Creamos la consulta n.º {created.number} para su pregunta. "
        "La respuesta le llegará por correo electrónico a pilar@example.org."
    )


def test_the_screen_sharing_notes_in_a_chat_are_in_the_patrons_language(departments, alice, settings):
    settings.DESK_SCREENSHARE_URL = "https://meet.example.edu/library-{chat}"
    from chat.screenshare import services as screenshare

    bring_online(alice)
    chat, _token = chat_services.start_chat(department=departments["research"], question="¿Me ayuda?", language="es")
    chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    request = screenshare.request_screenshare(chat=chat, operator=alice)
    screenshare.answer_screenshare(chat=chat, request_id=request.pk, accept=False)
    notes = list(chat.messages.filter(sender=Message.Sender.SYSTEM).values_list("body", flat=True))
    assert notes[-2:] == [
        "Alice ofreció una sesión para compartir pantalla.",
        "El usuario prefiere no compartir su pantalla.",
    ]


# --- Reports and the public FAQ page ---------------------------------------------------------


def test_report_labels_follow_the_readers_language_and_the_csv_does_not(as_sam, departments):
    location = Location.objects.get(name="Virtual")
    when = timezone.make_aware(datetime(2026, 3, 2, 10, 15))
    Interaction.objects.create(happened_at=when, mode="phone", location=location, duration_minutes=5)
    rollup.rebuild()
    query = {"start": "2026-03-02", "end": "2026-03-08"}
    response = as_sam.get("/analytics/reports/", query, headers=SPANISH)
    assert response.context["by_day"][0]["label"] == "lun 2 mar"
    assert response.context["by_week"][0]["label"] == "Semana del 2 mar"
    assert response.context["by_month"][0]["label"] == "marzo de 2026"
    assert response.context["heatmap"]["weekdays"][0] == "lunes"
    assert response.context["heatmap"]["peak"]["hour"] == "10 a. m."
    assert [row["label"] for row in response.context["by_mode"]] == ["Teléfono"]
    english = as_sam.get("/analytics/reports/", query).context
    assert english["by_day"][0]["label"] == "Mon Mar 2" and english["by_month"][0]["label"] == "March 2026"
    assert english["heatmap"]["peak"]["hour"] == "10 am"
    # The export is a data file: the desk's words, whoever downloads it.
    csv = b"".join(as_sam.get("/analytics/reports/interactions.csv", query, headers=SPANISH).streaming_content)
    assert ",Monday,Phone," in csv.decode()


def test_the_public_faq_page_speaks_the_visitors_language_and_leads_nobody_to_the_desk(client, departments):
    entry = FaqEntry.objects.create(
        question="Can I renew a loan?",
        answer="Yes, twice.",
        link="https://library.example.edu/loans",
        slug="renew",
        department=departments["research"],
    )
    page = client.get("/faq/renew/", headers=SPANISH).content.decode()
    assert html_lang_of(page) == "es"
    assert ">Más información</a>" in page and "Respondida por Research &amp; Instruction." in page
    assert 'href="/desk/"' not in page
    # The widget's own language, which may differ from the browser's, travels with the link.
    found = client.get(
        "/api/widget/v1/faq?q=renew&lang=es", headers={"Origin": "http://127.0.0.1:8000", "Accept-Language": "en"}
    )
    assert found.json()["results"][0]["url"] == f"http://testserver{entry.get_absolute_url()}?lang=es"
    english = client.get("/api/widget/v1/faq?q=renew", headers={"Origin": "http://127.0.0.1:8000"})
    assert english.json()["results"][0]["url"] == "http://testserver/faq/renew/"


def test_staff_who_open_the_faq_page_still_find_their_dashboard(client, alice):
    FaqEntry.objects.create(question="Printing?", answer="Level 2.", slug="printing")
    client.force_login(alice)
    assert 'class="brand" href="/desk/"' in client.get("/faq/printing/").content.decode()


def test_the_admin_is_spanish_with_our_own_words(client, sam, ticket):
    client.force_login(sam)
    index = client.get("/admin/", headers=SPANISH).content.decode()
    assert "Gestionar el servicio" in index and "Estadísticas de referencia" in index
    tickets = client.get("/admin/tickets/ticket/", headers=SPANISH).content.decode()
    assert "Reasignar a un operador" in tickets and "Exportar a CSV" in tickets
