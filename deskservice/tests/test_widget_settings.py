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
