"""Twilio: the messaging webhook (form-encoded From, Body, MessageSid) and the Messages REST API.

Twilio signs every webhook: X-Twilio-Signature is the base64 HMAC-SHA1, keyed with the
account's auth token, of the URL Twilio called followed by each POST parameter's name and
value, sorted by name (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
"""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse

from chat.sms.base import InboundText, SendFailed, SmsProvider, WebhookRefused

MAX_BODY = 1600  # Twilio refuses longer message bodies.


def compute_signature(auth_token: str, url: str, params: dict[str, list[str]]) -> str:
    payload = url
    for name in sorted(params):
        # Twilio appends every value of a repeated parameter, in order, after the name each time.
        for value in params[name]:
            payload += name + value
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_is_valid(auth_token: str, url: str, params: dict[str, list[str]], signature: str) -> bool:
    if not auth_token or not signature:
        return False
    # Twilio signs the URL exactly as configured; a proxy may add or drop the default port on
    # the way, so both spellings are tried (as Twilio's own validators do).
    try:
        candidates = _url_variants(url)
    except ValueError:
        return False  # a Host header with a port out of range ("127.0.0.1:99999"): Twilio never signed that
    return any(
        hmac.compare_digest(compute_signature(auth_token, candidate, params), signature) for candidate in candidates
    )


def _url_variants(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets in a URL
    with_port = parts._replace(netloc=f"{host}:{parts.port or default}").geturl() if default else url
    without_port = parts._replace(netloc=host).geturl() if parts.port in (None, default) else url
    return list(dict.fromkeys([url, with_port, without_port]))


class TwilioProvider(SmsProvider):
    name = "twilio"

    def __init__(self):
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        if not self.auth_token:
            raise ImproperlyConfigured("DESK_SMS_PROVIDER=twilio needs TWILIO_AUTH_TOKEN (and TWILIO_ACCOUNT_SID).")

    def parse_webhook(self, request) -> InboundText:
        url = settings.DESK_SMS_WEBHOOK_URL or request.build_absolute_uri()
        params = {name: request.POST.getlist(name) for name in request.POST}
        if not signature_is_valid(self.auth_token, url, params, request.headers.get("X-Twilio-Signature", "")):
            raise WebhookRefused("The request's Twilio signature is not valid.", status=403)
        sid, phone = request.POST.get("MessageSid", ""), request.POST.get("From", "")
        if not sid or not phone:
            raise WebhookRefused("A text needs MessageSid and From.")
        return InboundText(provider_id=sid[:64], phone=phone[:32], body=request.POST.get("Body", ""))

    def webhook_response(self):
        # An empty TwiML document: Twilio sends no automatic reply.
        return HttpResponse('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml")

    def send(self, *, to: str, body: str) -> str:
        if not self.account_sid or not settings.DESK_SMS_FROM_NUMBER:
            raise SendFailed("TWILIO_ACCOUNT_SID and DESK_SMS_FROM_NUMBER must be set to send texts.", retry=False)
        url = f"{settings.TWILIO_API_BASE_URL.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        form = urllib.parse.urlencode({"To": to, "From": settings.DESK_SMS_FROM_NUMBER, "Body": body}).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=form,
            method="POST",
            headers={"Authorization": f"Basic {credentials}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.DESK_SMS_TIMEOUT_SECONDS) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = _error_detail(error)
            # 429 and 5xx are Twilio's "try later"; other 4xx (a bad number, bad credentials) will not mend.
            raise SendFailed(
                f"Twilio answered {error.code}: {detail}", retry=error.code == 429 or error.code >= 500
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SendFailed(f"Twilio could not be reached: {error}", retry=True) from None
        return str(answer.get("sid", ""))[:64]


def _error_detail(error) -> str:
    try:
        data = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return error.reason or ""
    return f"{data.get('code', '')} {data.get('message', '')}".strip() or str(error.reason)
