"""An operator whose browser asks for Spanish gets the dashboard's scripts in Spanish (issue 11):
the lists, the Claim Chat button, the chat pane, the Transfer dialog, the pop-ups and what screen
readers are told; a colleague's English browser, on the same desk at the same time, stays English.

Server-rendered words (templates) are another catalogue: elements they name are found here by
their place on the page, so that only what the scripts write is checked in Spanish.
"""

import pytest
from playwright.sync_api import expect

from chat import services
from chat.models import Chat
from tests.a11y import assert_accessible
from tests.desk_steps import off_the_loop, shot, start_chat
from tests.test_group_chat_browser import OBSERVE_ALERTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUESTION = "¿Tienen las actas del congreso de 1998?"


def sign_in(browser, url, username, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 860})
    context.add_init_script(OBSERVE_ALERTS)
    page = context.new_page()
    page.goto(f"{url}/accounts/login/?next=/desk/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(f"pw-{username}-2026")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{url}/desk/")
    expect(page.locator("[data-department-list] .is-online").first).to_be_visible()
    return page


def popup_titles(page, tag):
    page.wait_for_function("tag => window.__popups.some((popup) => popup.tag === tag)", arg=tag)
    return [(p["title"], p["body"]) for p in page.evaluate("window.__popups") if p["tag"] == tag]


def test_the_dashboards_scripts_speak_the_operators_language(live_stack, browser, departments, alice, bob):
    url = live_stack["url"]
    alice_page = sign_in(browser, url, "alice", "es-ES")
    bob_page = sign_in(browser, url, "bob", "en-US")
    announcer = alice_page.locator("[data-announcer]")

    # Departments: online state and head count, with Spanish plurals.
    research = alice_page.locator("[data-department-list] li").filter(has_text="Research & Instruction")
    expect(research).to_contain_text("En línea")
    expect(research).to_contain_text("2 operadores en línea")
    expect(alice_page.locator("[data-department-list] li").filter(has_text="IDEAS")).to_contain_text("Desconectado")
    expect(bob_page.locator("[data-department-list] li").filter(has_text="Research & Instruction")).to_contain_text(
        "2 operators online"
    )

    # Bob writes to Alice in Internal Chat: her list counts it and her pop-up says so in Spanish.
    bob_page.locator("[data-new-internal]").click()
    bob_page.locator("[data-new-internal-operator]").select_option(label="Alice")
    bob_page.locator("[data-new-internal-form] [type=submit]").click()
    bob_page.locator("[data-internal-input]").fill("¿Me cubres a las 3?")
    bob_page.locator("[data-internal-input]").press("Enter")
    expect(alice_page.locator("[data-internal-list] li").filter(has_text="Bob")).to_contain_text("1 sin leer")
    expect(alice_page.locator("[data-internal-list] li").filter(has_text="Bob")).to_contain_text("Chat interno")
    assert popup_titles(alice_page, "desk-internal-message") == [
        ("Nuevo mensaje interno de Bob", "¿Me cubres a las 3?")
    ]

    # A patron's chat arrives: announced, popped up and offered to claim, each in its reader's language.
    chat = start_chat(departments["research"], QUESTION, name="Pilar")
    waiting = alice_page.locator("[data-waiting-list]")
    expect(waiting.get_by_role("button", name="Atender chat")).to_be_visible()
    expect(bob_page.locator("[data-waiting-list]").get_by_role("button", name="Claim Chat")).to_be_visible()
    expect(announcer).to_have_text("Nuevo chat en espera en Research & Instruction")
    assert popup_titles(alice_page, "desk-new-chat") == [
        ("Nuevo chat en espera en Research & Instruction", f"Pilar: {QUESTION}")
    ]
    assert popup_titles(bob_page, "desk-new-chat")[0][0] == "New chat waiting in Research & Instruction"

    waiting.get_by_role("button", name="Atender chat").click()
    pane = alice_page.locator("[data-chat]")
    expect(pane.locator("[data-chat-status]")).to_have_text("Activo")
    expect(alice_page.locator("[data-my-list] li").filter(has_text="Pilar")).to_contain_text("Activo")
    pane.locator("[data-composer-input]").fill("Hola Pilar, ya las busco.")
    pane.locator("[data-composer-input]").press("Enter")
    expect(pane.get_by_role("link", name="Crear pregunta frecuente")).to_be_visible()
    pane.get_by_role("button", name="Preguntas frecuentes").click()
    expect(pane.get_by_role("searchbox", name="Buscar en las preguntas frecuentes")).to_be_focused()
    alice_page.keyboard.press("Escape")
    assert_accessible(alice_page.main_frame, "the dashboard in Spanish with a chat open")
    shot(alice_page, "dashboard-spanish-chat")

    # The Transfer dialog's lists, then the outcome once Bob accepts and Alice stays in the chat.
    pane.locator('[data-action="transfer"]').click()
    dialog = alice_page.locator("[data-transfer-dialog]")
    bob_row = dialog.locator("[data-transfer-operators] li").filter(has_text="Bob")
    expect(bob_row).to_contain_text("En línea")
    expect(dialog.locator("[data-transfer-departments] li").filter(has_text="Research & Instruction")).to_contain_text(
        "departamento de este chat"
    )
    assert_accessible(alice_page.main_frame, "the Transfer dialog in Spanish")
    bob_row.get_by_role("radio").check()
    dialog.locator("[data-transfer-submit]").click()
    expect(alice_page.locator("[data-transfer-pending]")).to_contain_text("Esperando a que Bob acepte…")
    card = bob_page.locator("[data-request-list] li")
    expect(card).to_contain_text("Alice wants to transfer a chat to you")
    card.get_by_role("button", name="Accept").click()
    expect(alice_page.locator("[data-transfer-outcome]")).to_contain_text(
        "Bob aceptó y ahora atiende el chat. Usted sigue en él hasta que elija Salir del chat."
    )
    expect(pane.locator("[data-chat-participants]")).to_have_text(
        "Este chat ahora es de Bob. Usted sigue en él, y puede escribirle al usuario, hasta que elija Salir del chat."
    )
    expect(alice_page.locator("[data-my-list] li").filter(has_text="Pilar")).to_contain_text(
        "Research & Instruction · chat de Bob"
    )

    # The patron ends the chat: a screen reader hears it in Spanish, and the status says so.
    off_the_loop(lambda: services.end_chat(chat=Chat.objects.get(pk=chat.pk), ended_by="patron"))
    expect(announcer).to_have_text("Pilar terminó el chat.")
    expect(pane.locator("[data-chat-status]")).to_have_text("Terminado")
    shot(alice_page, "dashboard-spanish-ended")
