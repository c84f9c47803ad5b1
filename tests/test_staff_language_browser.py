"""A librarian who reads Spanish switches the desk to it from the top bar, with the keyboard, and
back; a Spanish browser gets the sign-in page in Spanish from the start (issue 11)."""

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_accessible, tab_to
from tests.desk_steps import sign_in
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_top_bar_switches_the_desk_to_spanish_and_back(live_stack, browser, alice):
    url = live_stack["url"]
    page = sign_in(browser, url, "alice", width=1280)
    switch = page.get_by_role("form", name="Language").get_by_role("button", name="Español")
    tab_to(page, switch)
    page.keyboard.press("Enter")

    page.wait_for_url(f"{url}/desk/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Chats de usuarios")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    expect(page.get_by_role("navigation", name="Principal").get_by_role("link", name="Consultas")).to_be_visible()
    assert_accessible(page.main_frame, "the dashboard in Spanish")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-dashboard-spanish.png"))

    # The choice follows the librarian from page to page.
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Consultas").click()
    expect(page.get_by_role("heading", name="Consultas", exact=True)).to_be_visible()
    page.get_by_role("form", name="Idioma").get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Tickets", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_spanish_browser_gets_the_sign_in_page_in_spanish(live_stack, browser, alice):
    url = live_stack["url"]
    page = browser.new_context(locale="es-MX").new_page()
    page.goto(f"{url}/accounts/login/")
    expect(page.get_by_role("heading", name="Inicie sesión en el servicio")).to_be_visible()
    page.get_by_label("Nombre de usuario").fill("alice")
    page.get_by_label("Contraseña").fill("pw-alice-2026")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{url}/desk/")
    expect(page.get_by_role("group", name="Mi estado")).to_be_visible()
    expect(page.get_by_role("heading", name="Chats de usuarios")).to_be_visible()
