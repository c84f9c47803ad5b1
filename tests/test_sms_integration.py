"""SMS end to end: a signed Twilio webhook through the real ASGI server, and the operator's reply
sent by a real Celery worker to a local stand-in for Twilio's REST API (Twilio is a paid external
service), retried after the provider's 503 and sent once."""

import base64
import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chat import services
from chat.models import Chat
from chat.sms.models import OutgoingSms
from chat.sms.twilio import compute_signature
from tests.live import Server, Worker, child_environment, free_port

pytestmark = [pytest.mark.integration]

SID, TOKEN, DESK_NUMBER = "AC" + "1" * 32, "integration-auth-token", "+16179347876"


class FakeTwilio:
    """Answers POST /2010-04-01/Accounts/<sid>/Messages.json like Twilio: first a 503, then 201."""

    def __init__(self):
        self.requests = []
        self.port = free_port()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                owner.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "form": form})
                if len(owner.requests) == 1:
                    self._answer(503, {"code": 20500, "message": "Service unavailable"})
                else:
                    self._answer(201, {"sid": f"SM{len(owner.requests):032d}", "status": "queued"})

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def sms_stack(transactional_db, settings, departments):
    twilio = FakeTwilio()
    sms_settings = dict(
        DESK_SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_API_BASE_URL=f"http://127.0.0.1:{twilio.port}",
        DESK_SMS_FROM_NUMBER=DESK_NUMBER,
        DESK_SMS_DEPARTMENT="research",
    )
    for name, value in sms_settings.items():
        setattr(settings, name, value)
    env = child_environment(CELERY_TASK_ALWAYS_EAGER="false", **sms_settings)
    worker = Worker(env, name="worker-sms")
    try:
        server = Server(env, name="server-sms")
    except Exception:
        worker.stop()
        raise
    yield {"twilio": twilio, "server": server}
    server.stop()
    worker.stop()
    twilio.stop()


def post_text(url, form, signature):
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode(), method="POST", headers={"X-Twilio-Signature": signature}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_text_becomes_a_chat_and_the_reply_goes_out_once(sms_stack, alice):
    url = f"{sms_stack['server'].url}/sms/twilio/inbound"
    form = {"MessageSid": "SM" + "a" * 32, "From": "+16175550100", "To": DESK_NUMBER, "Body": "Is the library open?"}
    signature = compute_signature(TOKEN, url, {k: [v] for k, v in form.items()})

    assert post_text(url, form, "forged")[0] == 403
    status, body = post_text(url, form, signature)
    assert status == 200 and "<Response></Response>" in body
    assert post_text(url, form, signature)[0] == 200  # Twilio's redelivery
    chat = Chat.objects.get()
    assert (chat.source, chat.question) == ("sms", "Is the library open?")

    services.claim_chat(chat_id=chat.pk, operator=alice)
    services.send_message(
        chat=Chat.objects.get(pk=chat.pk), body="Yes, until 10 pm.", sender="operator", operator=alice
    )

    twilio = sms_stack["twilio"]
    assert wait_until(lambda: OutgoingSms.objects.filter(status="sent").exists()), OutgoingSms.objects.values()
    outgoing = OutgoingSms.objects.get()
    assert outgoing.attempts == 2 and outgoing.provider_id.startswith("SM")
    assert len(twilio.requests) == 2
    sent = twilio.requests[-1]
    assert sent["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert sent["form"] == {"To": ["+16175550100"], "From": [DESK_NUMBER], "Body": ["Yes, until 10 pm."]}
    assert sent["auth"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    # Sent once: nothing more reaches the provider.
    time.sleep(3)
    assert len(twilio.requests) == 2
