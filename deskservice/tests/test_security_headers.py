"""The headers that keep the desk's pages from being framed or running injected scripts."""

import pytest


@pytest.fixture(autouse=True)
def _library_sites(settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://www.library.example.edu", "http://localhost:8000"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_the_widget_frame_may_be_framed_by_the_library_sites_only(client, db):
    response = client.get("/widget/")
    assert response.status_code == 200
    csp = policy(response)
    assert sorted(csp["frame-ancestors"]) == ["'self'", "http://localhost:8000", "https://www.library.example.edu"]
    assert csp["script-src"] == ["'self'"]
    # X-Frame-Options DENY would win over frame-ancestors in older browsers and break the widget.
    assert "X-Frame-Options" not in response


def test_the_dashboard_cannot_be_framed(client, alice):
    client.force_login(alice)
    response = client.get("/desk/")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_demo_page_cannot_be_framed(client, db):
    response = client.get("/")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-src"] == ["'self'"]


def test_the_sign_in_page_cannot_be_framed(client, db):
    response = client.get("/accounts/login/")
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_widget_api_sends_nosniff(client, db):
    response = client.get("/api/widget/v1/status")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/json"
