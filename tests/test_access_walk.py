"""Walks every URL and websocket route of the desk and knocks with the wrong key.

The routes come from the URLconf and chat/routing.py themselves, so an endpoint added later is
walked too, and one that nobody has classified fails the walk: add it to RULES (or WS_RULES)
with who may use it. For each route:

- patron chat endpoints: no token, a wrong token, another chat's token, a chat that does not
  exist and an id that is not one all get the same 404 and the same body (existence not revealed);
- staff endpoints: refused to the signed-out (sign-in page or 401) and to signed-in staff who
  are not operators (403), with the same answer whether the object exists or not;
- chat-scoped staff endpoints: refused to an operator of another department, nothing changed;
- reports: refused to operators without the report permission;
- secret-keyed webhooks: refused without the secret.
"""

import asyncio
import json
import uuid
from dataclasses import dataclass, field

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chat import services
from chat.models import Chat, Message
from conftest import bring_online

PUBLIC, PATRON_CHAT, OPERATOR, REPORTS, SECRET = "public", "patron chat", "operator", "reports", "secret"


@dataclass(frozen=True)
class Rule:
    kind: str
    methods: tuple = ("GET",)
    chat_scoped: bool = field(default=False)  # the URL names one chat: other departments are refused


RULES = {
    "demo": Rule(PUBLIC),
    "widget": Rule(PUBLIC),
    "healthz": Rule(PUBLIC),
    "login": Rule(PUBLIC),
    "logout": Rule(PUBLIC, ("POST",)),
    "widget_api:status": Rule(PUBLIC),
    "widget_api:start_chat": Rule(PUBLIC, ("POST",)),
    "widget_api:create_ticket": Rule(PUBLIC, ("POST",)),
    "widget_api:messages": Rule(PATRON_CHAT, ("GET", "POST")),
    "widget_api:transcript": Rule(PATRON_CHAT, ("POST",)),
    "widget_api:rating": Rule(PATRON_CHAT, ("POST",)),
    "widget_api:end": Rule(PATRON_CHAT, ("POST",)),
    "desk:dashboard": Rule(OPERATOR),
    "desk:claim": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:canned": Rule(OPERATOR, ("GET", "POST"), chat_scoped=True),
    "desk:end": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:close": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:transcript": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:transfer_targets": Rule(OPERATOR, ("GET",), chat_scoped=True),
    "desk:transfer": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:reassign": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:accept_transfer": Rule(OPERATOR, ("POST",)),
    "desk:decline_transfer": Rule(OPERATOR, ("POST",)),
    "desk:internal_conversations": Rule(OPERATOR),
    "desk:open_internal": Rule(OPERATOR, ("POST",)),
    "desk:internal_messages": Rule(OPERATOR, ("GET", "POST")),
    "desk:internal_read": Rule(OPERATOR, ("POST",)),
    "desk:duty": Rule(OPERATOR),
    "desk:operators": Rule(OPERATOR),
    "desk:active_chats": Rule(OPERATOR),
    "analytics:chat_interaction": Rule(OPERATOR, ("GET", "POST"), chat_scoped=True),
    "analytics:record": Rule(OPERATOR, ("GET", "POST")),
    "analytics:reports": Rule(REPORTS),
    "analytics:export_csv": Rule(REPORTS),
    "tickets:list": Rule(OPERATOR),
    "tickets:counts": Rule(OPERATOR),
    "tickets:new": Rule(OPERATOR, ("GET", "POST")),
    "tickets:detail": Rule(OPERATOR),
    "tickets:reply": Rule(OPERATOR, ("POST",)),
    "tickets:note": Rule(OPERATOR, ("POST",)),
    "tickets:status": Rule(OPERATOR, ("POST",)),
    "tickets:transfer": Rule(OPERATOR, ("POST",)),
    "tickets:take": Rule(OPERATOR, ("POST",)),
    "tickets:attachment": Rule(OPERATOR),
    "tickets:inbound_email": Rule(SECRET, ("POST",)),
    # Added on main by other issues while this walk was written; classified so the merge is covered.
    "widget-i18n": Rule(PUBLIC),
    "desk:ban": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:patron": Rule(OPERATOR, ("GET", "POST"), chat_scoped=True),
    "desk:chat_transcript": Rule(OPERATOR, chat_scoped=True),
    "widget_api:attachments": Rule(PATRON_CHAT, ("POST",)),
    "widget_api:attachment": Rule(PATRON_CHAT, ("GET",)),
    "widget_api:screenshare_answer": Rule(PATRON_CHAT, ("POST",)),
    "desk:attachment": Rule(OPERATOR),
    "desk:screenshare": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "sms_inbound": Rule(SECRET, ("POST",)),
    "widget_api:faq": Rule(PUBLIC),
    "widget_api:faq_view": Rule(PUBLIC, ("POST",)),
    "desk:faq": Rule(OPERATOR),
    "faq:make": Rule(OPERATOR, ("GET", "POST")),
    "faq:entry": Rule(PUBLIC),
    "analytics:ticket_interaction": Rule(OPERATOR, ("GET", "POST")),
    "desk:leave": Rule(OPERATOR, ("POST",), chat_scoped=True),
    "desk:alert_preferences": Rule(OPERATOR, ("GET", "POST")),
    "desk:chat_ticket": Rule(OPERATOR, ("GET",), chat_scoped=True),
    "widget_api:launcher": Rule(PUBLIC),
    # The language switch in the top bar: anyone, the sign-in page included (a cookie, nothing more).
    "set_language": Rule(PUBLIC, ("POST",)),
}

WS_RULES = {
    "ws/widget/v1/chats/<str:chat_id>/": PATRON_CHAT,
    "ws/desk/": OPERATOR,
}

# A value for each URL parameter: one that exists and one that does not.
MISSING = {
    "transfer_id": 987654,
    "conversation_id": 987654,
    "number": 987654,
    "attachment_id": 987654,
    "request_id": 987654,
}
# Parameters that name a thing rather than a row: the same value whether it exists or not.
FIXED = {"provider_name": "twilio", "slug": "no-such-answer", "entry_id": 987654}


def walk(patterns=None, prefix="", namespace=""):
    """(route, name, parameter names) of every URL outside the admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue  # walked by test_the_admin_is_for_staff_only
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else namespace or pattern.namespace
            )
            yield from walk(pattern.url_patterns, route, inner or "")
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield route, name, list(pattern.pattern.converters)


ROUTES = list(walk())


def test_every_endpoint_has_an_access_rule():
    unclassified = [f"{name} ({route})" for route, name, _ in ROUTES if name not in RULES]
    assert not unclassified, (
        "These endpoints have no access rule in tests/test_access_walk.py: "
        + ", ".join(unclassified)
        + ". Add each to RULES as PUBLIC, PATRON_CHAT, OPERATOR (chat_scoped=True if the URL names a chat),"
        " REPORTS or SECRET, so the walk checks who is refused."
    )


def test_every_websocket_route_has_an_access_rule():
    from chat.routing import websocket_urlpatterns

    routes = {str(p.pattern) for p in websocket_urlpatterns}
    assert routes <= set(WS_RULES), (
        f"Websocket routes without an access rule in tests/test_access_walk.py: {sorted(routes - set(WS_RULES))}"
    )


@pytest.fixture
def desk(departments, alice, bob, carmen, stranger):
    """Bob's active chat in Research (with a message), and another patron's waiting chat."""
    bring_online(bob)
    chat, token = services.start_chat(department=departments["research"], question="Bob's patron asks")
    services.claim_chat(chat_id=chat.pk, operator=bob)
    services.send_message(chat=chat, body="a private detail", sender=Message.Sender.PATRON)
    other, other_token = services.start_chat(department=departments["research"], question="Another patron")
    return {"chat": chat, "token": token, "other": other, "other_token": other_token}


def url_for(name, params, chat_id, *, missing=False):
    kwargs = {}
    for param in params:
        if param == "chat_id":
            kwargs[param] = str(uuid.uuid4()) if missing else str(chat_id)
        elif param in MISSING:
            kwargs[param] = MISSING[param] if missing else 1
        elif param in FIXED:
            kwargs[param] = FIXED[param]
        else:
            pytest.fail(f"tests/test_access_walk.py has no sample value for the URL parameter {param!r} of {name}")
    return reverse(name, kwargs=kwargs)


def send(client, method, url, body=b"{}", **extra):
    return client.generic(method, url, body, content_type="application/json", HTTP_ORIGIN="http://testserver", **extra)


def chat_state(chat):
    chat = Chat.objects.get(pk=chat.pk)
    return (chat.status, chat.operator_id, chat.department_id, chat.closed_at, chat.messages.count())


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def refused_to_outsiders(response, *, signed_in: bool) -> bool:
    if response.status_code == 302:
        return not signed_in and response["Location"].startswith(reverse("login"))
    return response.status_code in ((401, 403) if not signed_in else (403,))


@pytest.mark.parametrize("route,name,params", [r for r in ROUTES if RULES.get(r[1], Rule(PUBLIC)).kind == PATRON_CHAT])
def test_patron_endpoints_refuse_every_wrong_key_alike(desk, settings, route, name, params):
    settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE = 10**6
    chat, before = desk["chat"], chat_state(desk["chat"])
    attempts = {
        "no token": (url_for(name, params, chat.pk), None),
        "wrong token": (url_for(name, params, chat.pk), "not-the-token"),
        "another chat's token": (url_for(name, params, chat.pk), desk["other_token"]),
        "no such chat": (url_for(name, params, chat.pk, missing=True), desk["token"]),
        "not an id": (url_for(name, params, chat.pk).replace(str(chat.pk), "not-a-chat-id"), desk["token"]),
    }
    for method in RULES[name].methods:
        answers = {}
        for label, (url, token) in attempts.items():
            extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            response = send(Client(), method, url, **extra)
            answers[label] = (response.status_code, response.content)
        assert set(answers.values()) == {(404, b'{"error": "No chat was found for that id and token."}')}, (
            method,
            answers,
        )
    assert chat_state(chat) == before


@pytest.mark.parametrize(
    "route,name,params", [r for r in ROUTES if RULES.get(r[1], Rule(PUBLIC)).kind in (OPERATOR, REPORTS)]
)
def test_staff_endpoints_refuse_the_signed_out_and_non_operators(desk, stranger, route, name, params):
    chat, before = desk["chat"], chat_state(desk["chat"])
    for method in RULES[name].methods:
        for who, client in (("signed out", Client()), ("not an operator", signed_in(stranger))):
            existing = send(client, method, url_for(name, params, chat.pk))
            missing = send(client, method, url_for(name, params, chat.pk, missing=True))
            assert refused_to_outsiders(existing, signed_in=who != "signed out"), (method, who, existing.status_code)
            # The refusal comes before any lookup: the answer does not say whether the object exists.
            assert (existing.status_code, existing.get("Location", "").split("?")[0]) == (
                missing.status_code,
                missing.get("Location", "").split("?")[0],
            ), (method, who)
    assert chat_state(chat) == before


@pytest.mark.parametrize("route,name,params", [r for r in ROUTES if RULES.get(r[1], Rule(PUBLIC)).chat_scoped])
def test_chat_endpoints_refuse_an_operator_of_another_department(desk, alice, carmen, route, name, params):
    chat, before = desk["chat"], chat_state(desk["chat"])
    client = signed_in(carmen)
    # A request that would be valid from the chat's own operator: only who asks is wrong.
    body = json.dumps({"operator": alice.pk, "department": "research", "body": "hi", "email": "x@example.org"})
    for method in RULES[name].methods:
        response = send(client, method, url_for(name, params, chat.pk), body.encode())
        assert response.status_code in (403, 404, 409), (method, response.status_code, response.content[:300])
        assert b"a private detail" not in response.content
    assert chat_state(chat) == before


def test_make_faq_refuses_a_chat_of_another_department_named_in_its_query(desk, bob, carmen):
    """Make FAQ names its chat in ?chat=, where the walk above does not look."""
    chat = desk["chat"]
    services.send_message(chat=chat, body="an answer from Bob", sender=Message.Sender.OPERATOR, operator=bob)
    reply = chat.messages.get(sender=Message.Sender.OPERATOR, body="an answer from Bob")
    url = f"{reverse('faq:make')}?chat={chat.pk}&message={reply.pk}"
    response = signed_in(carmen).get(url)
    assert response.status_code == 404
    assert b"Bob's patron asks" not in response.content and b"an answer from Bob" not in response.content
    assert response.content == signed_in(carmen).get(f"{reverse('faq:make')}?chat={uuid.uuid4()}").content
    assert b"an answer from Bob" in signed_in(bob).get(url).content


@pytest.mark.parametrize("route,name,params", [r for r in ROUTES if RULES.get(r[1], Rule(PUBLIC)).kind == REPORTS])
def test_reports_refuse_operators_without_the_report_permission(desk, alice, sam, route, name, params):
    for method in RULES[name].methods:
        assert send(signed_in(alice), method, url_for(name, params, None)).status_code == 403
        assert send(signed_in(sam), method, url_for(name, params, None)).status_code == 200


@pytest.mark.parametrize("route,name,params", [r for r in ROUTES if RULES.get(r[1], Rule(PUBLIC)).kind == SECRET])
def test_webhooks_refuse_requests_without_their_secret(desk, settings, route, name, params):
    settings.DESK_INBOUND_EMAIL_SECRET = "the-real-secret-2026"
    for method in RULES[name].methods:
        for header in ({}, {"HTTP_AUTHORIZATION": "Bearer a-guess"}):
            response = send(Client(), method, url_for(name, params, None), **header)
            assert response.status_code in (401, 403, 404), response.status_code


def test_the_admin_is_for_staff_only(desk, alice):
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    for client in (Client(), signed_in(alice)):  # alice operates but is not staff
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url


# --- Websockets ---------------------------------------------------------------------------

ORIGIN, HOST = (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")


async def patron_attempt(path, token):
    from deskservice.asgi import application

    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, HOST])
    connected, _ = await communicator.connect()
    assert connected  # accepted, then refused after the auth frame
    await communicator.send_json_to({"type": "auth", "token": token, "after": None})
    frame = await communicator.receive_json_from(timeout=5)
    closed = await communicator.receive_output(timeout=5)
    await communicator.wait()
    return frame, closed.get("code")


@pytest.mark.django_db(transaction=True)
def test_the_patron_socket_refuses_every_wrong_key_alike(departments, alice, bob, carmen, stranger):
    bring_online(bob)
    chat, _ = services.start_chat(department=departments["research"], question="Mine")
    services.send_message(chat=chat, body="a private detail", sender=Message.Sender.PATRON)
    _, other_token = services.start_chat(department=departments["research"], question="Another")
    path = f"/ws/widget/v1/chats/{chat.pk}/"
    attempts = {
        "wrong token": (path, "not-the-token"),
        "another chat's token": (path, other_token),
        "no token": (path, None),
        "no such chat": (f"/ws/widget/v1/chats/{uuid.uuid4()}/", other_token),
        "not an id": ("/ws/widget/v1/chats/nope/", other_token),
    }
    answers = {label: asyncio.run(patron_attempt(*args)) for label, args in attempts.items()}
    expected = ({"type": "error", "error": "No chat was found for that id and token.", "action": "auth"}, 4401)
    assert all(answer == expected for answer in answers.values()), answers


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_socket_refuses_the_signed_out_and_non_operators(departments, stranger):
    from deskservice.asgi import application

    async def attempt(cookie):
        headers = [ORIGIN, HOST] + ([(b"cookie", cookie)] if cookie else [])
        communicator = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    client = signed_in(stranger)
    stranger_cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    assert asyncio.run(attempt(None)) == (False, 4403)
    assert asyncio.run(attempt(stranger_cookie)) == (False, 4403)


# --- CSRF ---------------------------------------------------------------------------------

CSRF_FORMS = [
    r for r in ROUTES if RULES.get(r[1], Rule(PUBLIC)).kind in (OPERATOR, REPORTS) and "POST" in RULES[r[1]].methods
]


@pytest.mark.parametrize("route,name,params", CSRF_FORMS)
def test_staff_forms_refuse_a_post_without_the_csrf_token(desk, bob, route, name, params):
    """A hostile page cannot make a signed-in operator's browser act: no token, 403, nothing changed."""
    chat, before = desk["chat"], chat_state(desk["chat"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)  # the chat's own operator: only the token is missing
    response = send(client, "POST", url_for(name, params, chat.pk), b'{"body": "forged"}')
    assert response.status_code == 403, response.status_code
    assert chat_state(chat) == before


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/logout/", "/admin/login/"])
def test_sign_in_and_out_refuse_a_post_without_the_csrf_token(db, url):
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, {"username": "x", "password": "y"}).status_code == 403
