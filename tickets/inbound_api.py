"""POST /tickets/inbound/email: a mail relay hands over one raw RFC 822 message.

Protected by a shared secret (DESK_INBOUND_EMAIL_SECRET) in `Authorization: Bearer <secret>`,
compared in constant time. The answer says what became of the message; 4xx tells a relay
not to try again, 5xx (the database is down) that it should.
"""

import hmac

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from deskservice.jsonapi import error_response
from tickets.ingest import ingest_email, max_message_bytes
from tickets.models import InboundEmail


@csrf_exempt  # Called by a mail relay, not a browser: the shared secret is the credential.
@require_POST
def inbound_email(request):
    secret = getattr(settings, "DESK_INBOUND_EMAIL_SECRET", "")
    if not secret:
        return error_response("Inbound email is not configured: set DESK_INBOUND_EMAIL_SECRET.", 503)
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return error_response("A valid shared secret is required.", 403)
    limit = max_message_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return error_response(f"The message is larger than {limit:,} bytes.", 413)
    # request.read, not request.body: the body limit for forms (2.5 MB) is not the one for mail.
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return error_response(f"The message is larger than {limit:,} bytes.", 413)
    result = ingest_email(raw)
    if result.outcome == InboundEmail.Outcome.REJECTED:
        return error_response(result.detail, 413 if "larger" in result.detail else 400)
    return JsonResponse(result.as_dict(), status=201 if result.outcome == InboundEmail.Outcome.CREATED else 200)
