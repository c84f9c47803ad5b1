"""The admin pages a supervisor runs the desk from: they open, and their list pages cost the
same number of queries for 3 rows as for 30 (issue 8)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import services as chat_services
from conftest import bring_online
from deskservice import audit
from tickets.models import Queue
from tickets.services import create_ticket

pytestmark = pytest.mark.django_db

LISTS = ["/admin/chat/chat/", "/admin/tickets/ticket/", "/admin/deskservice/auditentry/"]


def add_rows(n, departments, alice):
    queue = Queue.objects.filter(is_default=True).first() or Queue.objects.create(
        name="Research help", slug="research-help", is_default=True
    )
    for i in range(n):
        chat, _ = chat_services.start_chat(department=departments["research"], question=f"Question {i}")
        chat_services.claim_chat(chat_id=chat.pk, operator=alice)
        create_ticket(question=f"Ticket {i}", email=f"p{i}@example.org", source="phone", queue=queue, assignee=alice)
        audit.record(actor=alice, action=audit.Action.EXPORTED, object_type="interactions")


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def test_list_pages_do_not_query_per_row(client, sue, departments, alice):
    bring_online(alice)
    client.force_login(sue)
    add_rows(3, departments, alice)
    few = {path: queries_for(client, path) for path in LISTS}
    add_rows(27, departments, alice)
    many = {path: queries_for(client, path) for path in LISTS}
    assert many == few


def test_a_supervisor_opens_every_configuration_page(client, sue):
    client.force_login(sue)
    for path in [
        "/admin/",
        "/admin/deskservice/department/",
        "/admin/deskservice/shift/",
        "/admin/deskservice/user/",
        "/admin/chat/cannedmessage/",
        "/admin/tickets/queue/",
        "/admin/tickets/externalteam/",
        "/admin/analytics/location/",
        "/admin/analytics/questiontype/",
        "/admin/analytics/formsettings/",
    ]:
        assert client.get(path).status_code == 200, path
    # Desk settings is one row: the list opens it.
    response = client.get("/admin/deskservice/desksettings/", follow=True)
    assert response.status_code == 200 and b"retention_days" in response.content
    response = client.post(
        response.redirect_chain[-1][0],
        {"retention_days": "90", "meeting_url": "https://meet.jit.si/library-desk", "widget_colour": "#1d4ed8"},
    )
    assert response.status_code == 302
    from deskservice.models import DeskSettings

    assert DeskSettings.current().retention_days == 90
