"""Widget settings a supervisor changes in the admin: embedding sites, title and colour (issue 8)."""

import json

import pytest
from django.core.exceptions import ValidationError

from deskservice.models import DeskSettings, contrast_with_white

pytestmark = pytest.mark.django_db
SITE = "https://library.example.edu"


def start_from(client, origin):
    return client.post(
        "/api/widget/v1/chats",
        json.dumps({"department": "research", "question": "Hours?"}),
        content_type="application/json",
        headers={"Origin": origin},
    )


def test_a_site_added_in_the_admin_may_embed_and_call_at_once(client, departments, sue):
    assert start_from(client, SITE).status_code == 403
    assert SITE not in client.get("/widget/")["Content-Security-Policy"]

    client.force_login(sue)
    change = "/admin/deskservice/desksettings/1/change/"
    DeskSettings.current()
    response = client.post(
        change, {"retention_days": "180", "embedding_sites": f"{SITE}\n", "widget_colour": "#1d4ed8"}
    )
    assert response.status_code == 302
    client.logout()
    # Allowed now (409: nobody online, past the origin check) and in the frame's frame-ancestors.
    assert start_from(client, SITE).status_code == 409
    assert SITE in client.get("/widget/")["Content-Security-Policy"]
    assert start_from(client, "https://elsewhere.example.com").status_code == 403


def test_the_title_and_colour_reach_the_widget(client, departments):
    row = DeskSettings.current()
    row.widget_title = "Ask Us <b>now</b>"
    row.widget_colour = "#7a1f1f"
    row.save()
    page = client.get("/widget/").content.decode()
    assert "<h1>Ask Us &lt;b&gt;now&lt;/b&gt;</h1>" in page
    assert "--blue: #7a1f1f" in page


def test_a_colour_too_light_for_white_text_is_refused_with_the_reason():
    assert round(contrast_with_white("#1d4ed8"), 1) == 6.7
    row = DeskSettings(widget_colour="#ffd700")
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "contrast of 1.4:1" in str(refused.value)
    bad_site = DeskSettings(embedding_sites="javascript:alert(1)")
    with pytest.raises(ValidationError, match="is not a web address"):
        bad_site.full_clean()


def launcher(client, origin=None, lang=None):
    headers = {"Origin": origin} if origin else {}
    return client.get("/api/widget/v1/launcher", {"lang": lang} if lang else {}, headers=headers)


def test_the_launcher_shows_the_admins_words_and_colour_on_library_pages(client, settings):
    settings.WIDGET_ALLOWED_ORIGINS = [SITE]
    assert launcher(client).json() == {"label": None, "colour": "#1d4ed8"}  # embed.js keeps its own words

    row = DeskSettings.current()
    row.launcher_label, row.widget_colour = "Ask Us <now>", "#7a1f1f"
    row.save()
    # The Spanish label is empty: the admin's words serve both languages.
    assert launcher(client, lang="es").json() == {"label": "Ask Us <now>", "colour": "#7a1f1f"}
    row.launcher_label_es = "Pregúntenos"
    row.save()
    assert launcher(client, lang="es").json()["label"] == "Pregúntenos"
    assert launcher(client, lang="en").json()["label"] == "Ask Us <now>"

    # Read by embed.js on the library's own page: that site may read it, others are refused.
    allowed = launcher(client, origin=SITE)
    assert allowed["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in allowed["Vary"]
    refused = launcher(client, origin="https://elsewhere.example.com")
    assert refused.status_code == 403 and not refused.has_header("Access-Control-Allow-Origin")
    assert "Access-Control-Allow-Origin" not in launcher(client)


def test_the_welcome_text_heads_the_start_form_as_plain_text(client, departments):
    row = DeskSettings.current()
    row.welcome_text = "Open 9-5.\n<script>alert(1)</script>"
    row.save()
    page = client.get("/widget/").content.decode()
    assert '<p class="welcome-text" id="welcome-text">Open 9-5.<br>&lt;script&gt;alert(1)&lt;/script&gt;</p>' in page
    # No Spanish welcome yet: the same words in Spanish; then its own.
    assert "Open 9-5." in client.get("/widget/", {"lang": "es"}).content.decode()
    row.welcome_text_es = "Abierto de 9 a 5."
    row.save()
    spanish = client.get("/widget/", {"lang": "es"}).content.decode()
    assert "Abierto de 9 a 5." in spanish and "Open 9-5." not in spanish
    row.welcome_text = row.welcome_text_es = ""
    row.save()
    assert "welcome-text" not in client.get("/widget/").content.decode()


def test_the_settings_page_shows_the_full_page_link_to_copy(client, sue, settings):
    settings.SITE_URL = "https://desk.library.example.edu"
    client.force_login(sue)
    page = client.get(f"/admin/deskservice/desksettings/{DeskSettings.current().pk}/change/").content.decode()
    assert '<a href="https://desk.library.example.edu/widget/?full=1">' in page
    assert "https://desk.library.example.edu/widget/?full=1&amp;lang=es" in page
    assert (
        "&lt;script src=&quot;https://desk.library.example.edu/static/widget/embed.js&quot; async&gt;&lt;/script&gt;"
        in page
    )
    assert 'name="launcher_label"' in page and 'name="welcome_text_es"' in page
