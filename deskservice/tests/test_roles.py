"""Who may do what: the four role groups, each page, API and the dashboard socket (issue 8).

The groups come from the roles migration; a library only puts people in them. Each row of
the tables below names a person and whether the server lets them in.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.test import Client

from chat import services as chat_services
from chat.transfers import reassign_chat
from conftest import bring_online
from deskservice import roles
from deskservice.asgi import application
from deskservice.models import User

PERSONAS = ["alice", "lena", "barb", "sue", "stranger"]


@pytest.fixture
def people(alice, lena, barb, sue, stranger):
    return {"alice": alice, "lena": lena, "barb": barb, "sue": sue, "stranger": stranger}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_migration_creates_the_four_groups_each_including_the_one_before():
    groups = {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()} for g in Group.objects.all()
    }
    assert set(roles.ROLES) <= set(groups)
    student, librarian, backup, supervisor = (groups[name] for name in roles.ROLES)
    assert roles.WORK_DESK in student and roles.VIEW_REPORTS not in student
    assert student < librarian and roles.VIEW_REPORTS in librarian and roles.REASSIGN_CHAT not in librarian
    assert librarian < backup and {roles.REASSIGN_CHAT, roles.REASSIGN_TICKET, roles.VIEW_AUDIT} <= backup
    assert backup < supervisor and roles.RUN_DESK in supervisor and "chat.change_cannedmessage" in supervisor
    assert roles.RUN_DESK not in backup and "chat.change_cannedmessage" not in backup
    # Every permission the table names exists (a typo would silently grant nothing), so each
    # group holds exactly what the table lists.
    for name, names in roles.PERMISSIONS.items():
        assert groups[name] == set(names), set(names) ^ groups[name]


# (page, who gets 200; everyone else signed in gets 403 or a redirect away)
PAGES = [
    ("/desk/", {"alice", "lena", "barb", "sue"}),
    ("/tickets/", {"alice", "lena", "barb", "sue"}),
    ("/analytics/record/", {"alice", "lena", "barb", "sue"}),
    ("/analytics/reports/", {"lena", "barb", "sue"}),
    ("/admin/", {"barb", "sue"}),
    ("/admin/chat/cannedmessage/", {"sue"}),
    ("/admin/deskservice/auditentry/", {"barb", "sue"}),
    ("/admin/deskservice/auditentry/erase-patron/", {"sue"}),
    ("/admin/deskservice/user/", {"sue"}),
    ("/admin/chat/transcriptemail/", {"sue"}),
    ("/admin/tickets/outgoingemail/", {"sue"}),
    ("/admin/chat/outgoingsms/", {"sue"}),
    ("/desk/api/active-chats", {"barb", "sue"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path,allowed", PAGES, ids=[p for p, _ in PAGES])
def test_each_role_gets_exactly_its_pages(people, path, allowed):
    for name, user in people.items():
        response = as_user(user).get(path)
        if name in allowed:
            assert response.status_code == 200, f"{name} should reach {path}, got {response.status_code}"
        else:
            assert response.status_code in (302, 403), f"{name} must not reach {path}, got {response.status_code}"
            if response.status_code == 302:
                assert "/login/" in response["Location"], f"{name} was redirected to {response['Location']}"


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path, _ in PAGES:
        response = client.get(path)
        assert response.status_code in (302, 401, 403), path
        if response.status_code == 302:
            assert "login" in response["Location"], path


@pytest.mark.django_db
def test_leaving_the_group_takes_the_rights_away(lena):
    assert as_user(lena).get("/analytics/reports/").status_code == 200
    lena.groups.clear()
    lena = User.objects.get(pk=lena.pk)  # a fresh object, as the next request would load
    assert as_user(lena).get("/analytics/reports/").status_code in (302, 403)
    assert as_user(lena).get("/desk/").status_code == 403


@pytest.mark.django_db
def test_only_backup_supervisors_and_supervisors_reassign_a_chat(people, departments, alice, barb, lena):
    bring_online(alice)
    bring_online(lena)
    chat, _ = chat_services.start_chat(department=departments["research"], question="Where is the atlas?")
    chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    payload = json.dumps({"operator": lena.pk})
    for name in ("alice", "lena"):
        response = as_user(people[name]).post(
            f"/desk/api/chats/{chat.pk}/reassign", payload, content_type="application/json"
        )
        assert response.status_code == 403, name
        assert "error" in response.json()
    with pytest.raises(chat_services.NotAllowed):
        reassign_chat(chat=chat, supervisor=lena, to_operator=lena)
    response = as_user(barb).post(f"/desk/api/chats/{chat.pk}/reassign", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    chat.refresh_from_db()
    assert chat.operator == lena


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("name,allowed", [("alice", True), ("sue", True), ("stranger", False)])
async def test_the_dashboard_socket_checks_the_role(departments, name, allowed):
    from conftest import _make_user

    role = {"alice": roles.STUDENT_ASSISTANT, "sue": roles.SUPERVISOR, "stranger": None}[name]
    user = await sync_to_async(_make_user)(name, name.title(), [departments["research"]] if role else [], role=role)
    client = await sync_to_async(as_user)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application,
        "/ws/desk/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect(timeout=3)
    if allowed:
        assert connected
        frame = await communicator.receive_json_from(timeout=3)
        assert frame["type"] in ("snapshot", "presence")
    else:
        # Refused at the handshake, or closed at once: no snapshot ever reaches a non-operator.
        if connected:
            message = await communicator.receive_output(timeout=3)
            assert message["type"] == "websocket.close"
    await communicator.disconnect()


@pytest.mark.django_db
def test_the_menu_offers_only_what_the_role_may_open(alice, lena, sue):
    def menu(user):
        page = as_user(user).get("/tickets/").content.decode()
        return {label for label in ("Reports", "Admin") if f">{label}</a>" in page}

    assert menu(alice) == set()
    assert menu(lena) == {"Reports"}
    assert menu(sue) == {"Reports", "Admin"}
