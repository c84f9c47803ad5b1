"""The interface every SMS provider implements, and the choice of provider from the settings."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class InboundText:
    """A text as a provider's webhook delivered it."""

    provider_id: str
    phone: str
    body: str


class WebhookRefused(Exception):
    """The webhook request is not a genuine, well-formed delivery; `status` is the HTTP answer."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


class SendFailed(Exception):
    """The provider did not take a text. `retry` says whether trying again later may help."""

    def __init__(self, message: str, *, retry: bool):
        super().__init__(message)
        self.retry = retry


class SmsProvider:
    """What the desk needs from a provider; add a provider by subclassing and naming it in PROVIDERS."""

    name = ""
    # False for a provider that cannot receive texts (the log): its webhook answers 404.
    receives = True

    def parse_webhook(self, request) -> InboundText:
        """Check the request's authenticity and read the text, or raise WebhookRefused."""
        raise NotImplementedError

    def webhook_response(self):
        """What the provider expects back once the text is stored (no automatic reply)."""
        raise NotImplementedError

    def send(self, *, to: str, body: str) -> str:
        """Send one text; returns the provider's id for it, or raises SendFailed."""
        raise NotImplementedError


def get_provider() -> SmsProvider:
    from chat.sms.log import LogProvider
    from chat.sms.twilio import TwilioProvider

    providers = {"": LogProvider, "log": LogProvider, "twilio": TwilioProvider}
    name = settings.DESK_SMS_PROVIDER
    if name not in providers:
        raise ImproperlyConfigured(
            f"DESK_SMS_PROVIDER must be one of {sorted(p for p in providers if p)}, not {name!r}."
        )
    return providers[name]()
