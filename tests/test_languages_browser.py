"""A Spanish-speaking patron's browser gets the widget in Spanish, and the switch changes it."""

import pytest
from playwright.sync_api import expect

from tests.a11y import assert_accessible
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_widget_follows_the_browsers_language_and_the_switch(live_stack, browser, departments):
    url = live_stack["url"]
    page = browser.new_context(locale="es-ES", viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"{url}/widget/?full=1")
    expect(page.get_by_role("heading", name="Déjenos una pregunta")).to_be_visible()
    # Written by the scripts (from the JavaScript catalogue), not the template.
    expect(page.get_by_text("Ningún departamento tiene un bibliotecario en línea en este momento.")).to_be_visible()
    expect(page.get_by_role("button", name="Enviar pregunta")).to_be_visible()
    assert_accessible(page.main_frame, "the widget in Spanish")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-spanish-phone.png"))

    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Leave us a question")).to_be_visible()
    expect(page.get_by_text("No department has a librarian online at the moment.")).to_be_visible()
    assert "full=1" in page.url and "lang=en" in page.url
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(page.get_by_role("button", name="Enviar pregunta")).to_be_visible()
