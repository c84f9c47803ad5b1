"""The provider used when none is configured: replies are written to the log, nothing is received."""

import logging
import uuid

from chat.sms.base import SmsProvider, WebhookRefused

logger = logging.getLogger("chat.sms")


class LogProvider(SmsProvider):
    name = "log"
    receives = False

    def parse_webhook(self, request):
        raise WebhookRefused("No SMS provider is configured.", status=404)

    def send(self, *, to: str, body: str) -> str:
        logger.info("SMS (no provider configured) to %s: %s", to, body)
        return f"log-{uuid.uuid4().hex}"
