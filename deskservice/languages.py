"""Which language a patron reads: the widget's switch (`lang`), else the browser's preference.

The widget is a third-party frame, where browsers may drop cookies, so the choice travels as
a `lang` parameter on the frame's address and on its API calls rather than in a cookie.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def supported_language(value) -> str | None:
    """`value` if it names one of the desk's languages ("es", "es-MX" -> "es"), else None."""
    if not isinstance(value, str) or not value:
        return None
    code = value.strip().lower().replace("_", "-")
    if code in SUPPORTED:
        return code
    base = code.split("-", 1)[0]
    return base if base in SUPPORTED else None


class LanguageParameterMiddleware:
    """Honours `?lang=es` after LocaleMiddleware has read the browser's Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = supported_language(request.GET.get("lang"))
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


def request_language(request) -> str:
    """The language of this request, as stored on a chat or ticket for its emails."""
    return supported_language(getattr(request, "LANGUAGE_CODE", "")) or settings.LANGUAGE_CODE


def refusal(error) -> str:
    """What a service said when it refused (`str(error)`), in the language now active.

    Services mark their fixed sentences with gettext_noop, so that the words are chosen where
    they are shown, in the reader's language: the patron's in the widget, the operator's on the
    desk. Sentences with names or numbers in them are translated as they are raised, and pass
    through here unchanged.
    """
    text = str(error)
    return gettext(text) if text else text


def socket_language(scope) -> str:
    """The language of a websocket's reader: the staff switch's cookie, else the browser's
    Accept-Language from the handshake (websockets pass no LocaleMiddleware)."""
    chosen = supported_language(scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin1")
    for code, _quality in translation.trans_real.parse_accept_lang_header(accept):
        if chosen := supported_language(code):
            return chosen
    return settings.LANGUAGE_CODE
