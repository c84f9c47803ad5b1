"""Which web origins may use the widget API and websockets, and which may frame the widget."""

import pytest

from deskservice.origins import allowed_origins, frame_ancestors, origin_allowed

# The allowed sites include those a supervisor added in the admin (a database read).
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library_sites(settings):
    settings.SITE_URL = "https://desk.library.example.edu"
    settings.WIDGET_ALLOWED_ORIGINS = ["https://www.library.example.edu", "http://localhost:8000/"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://www.library.example.edu",
        "HTTPS://WWW.Library.Example.EDU",
        "https://www.library.example.edu:443",
        "http://localhost:8000",
        "https://desk.library.example.edu",
    ],
)
def test_it_allows_the_desk_and_the_library_sites(origin):
    assert origin_allowed(origin)


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "",
        "null",
        "https://evil.example",
        "http://www.library.example.edu",  # not the same scheme
        "https://www.library.example.edu:8443",
        "https://www.library.example.edu.evil.example",
        "http://localhost:8001",
        "http://localhost:99999",
        "http://[::1",
        "javascript:alert(1)",
    ],
)
def test_it_refuses_every_other_origin(origin):
    assert not origin_allowed(origin)


def test_it_allows_the_host_the_desk_was_reached_on():
    assert origin_allowed("http://127.0.0.1:8000", host="127.0.0.1:8000")
    assert origin_allowed("http://[::1]:8000", host="[::1]:8000")
    assert not origin_allowed("http://127.0.0.1:8000", host="127.0.0.1:9000")


def test_it_normalises_the_configured_origins():
    assert allowed_origins() == {
        "https://desk.library.example.edu",
        "https://www.library.example.edu",
        "http://localhost:8000",
    }


def test_it_lists_the_library_sites_as_frame_ancestors():
    assert frame_ancestors() == "'self' http://localhost:8000 https://www.library.example.edu"
