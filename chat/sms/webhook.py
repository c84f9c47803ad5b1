"""POST /sms/<provider>/inbound: the provider's webhook. Anonymous, but only a signed delivery is stored."""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chat import bans
from chat.services import ChatError
from chat.sms.base import WebhookRefused, get_provider
from chat.sms.services import SmsUnavailable, receive_text, sms_department
from deskservice import ratelimit
from deskservice.ratelimit import client_ip, hit

logger = logging.getLogger(__name__)


@csrf_exempt  # The provider has no session; its signature is the credential.
@require_POST
def inbound(request, provider_name):
    if not hit("sms_webhook", client_ip(request), limit=settings.DESK_RATE_LIMIT_SMS_PER_MINUTE):
        return HttpResponse("Too many requests.", status=429, content_type="text/plain")
    try:
        provider = get_provider()
    except ImproperlyConfigured as error:
        logger.error("SMS webhook called but the provider is misconfigured: %s", error)
        return HttpResponse("SMS is not configured.", status=503, content_type="text/plain")
    if provider_name != provider.name or not provider.receives:
        return HttpResponse("SMS is not configured for that provider.", status=404, content_type="text/plain")
    try:
        text = provider.parse_webhook(request)
        # A banned number, or one texting faster than a person could, is answered (so the
        # provider does not retry) but never reaches the queue.
        if bans.is_banned(bans.sms_client(text.phone)) or ratelimit.refuse_client(
            request, "sms", client_key=bans.sms_client(text.phone)
        ):
            logger.warning("SMS from a banned or flooding number dropped")
            return provider.webhook_response()
        # Many numbers at once (a script, a campaign) must not bury the department's queue either.
        busy = ratelimit.refuse_department("sms", sms_department())
        if busy is not None:
            return busy
        receive_text(provider=provider.name, text=text)
    except WebhookRefused as error:
        logger.warning("SMS webhook refused: %s", error)
        return HttpResponse(str(error), status=error.status, content_type="text/plain")
    except (SmsUnavailable, ChatError) as error:
        # A 5xx makes the provider deliver the text again later: the text is not lost.
        logger.error("SMS not stored: %s", error)
        return HttpResponse(str(error), status=503, content_type="text/plain")
    return provider.webhook_response()
