"""Fixed-window rate limits for the anonymous endpoints, kept in the cache (Redis in production).

The cache is shared by every ASGI process, so a client cannot spread its requests across
processes to get around a limit. Each anonymous endpoint is limited twice: per client (its
address, or for the SMS webhook the sender's number) and per department, so a crowd of
addresses cannot bury one department's queue either. Refusals are 429 JSON with Retry-After.

The SMS webhook calls the two halves itself (`refuse_client` keyed on the sender's number, whose
refusal it answers with a silent 200 so the provider does not retry, then `refuse_department`).
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

TOO_MANY = gettext_noop("You are sending too many requests. Please wait a minute and try again.")
DEPARTMENT_BUSY = gettext_noop(
    "This department is receiving too many requests right now. Please try again in a minute."
)
QUEUE_FULL = gettext_noop("You already have chats waiting for an answer. Please wait for an operator to reply.")


def client_ip(request) -> str:
    # Behind a proxy, set it to overwrite REMOTE_ADDR (docs/operations.md); X-Forwarded-For
    # is not trusted here because any client can send it.
    return request.META.get("REMOTE_ADDR", "unknown")


def _limits(scope: str) -> tuple[int, int | None]:
    """(per client, per department) requests per minute for an anonymous endpoint."""
    chats = settings.DESK_RATE_LIMIT_CHATS_PER_MINUTE
    department_chats = settings.DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE
    return {
        "start_chat": (chats, department_chats),
        "widget_ticket": (chats, department_chats),
        "sms": (settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE, department_chats),
        "message": (settings.DESK_RATE_LIMIT_MESSAGES_PER_MINUTE, None),
        "transcript": (chats, None),
        "upload": (settings.DESK_RATE_LIMIT_UPLOADS_PER_MINUTE, None),
    }[scope]


def hit(scope: str, key: str, *, limit: int, window_seconds: int = 60) -> bool:
    """Count one request; False when `key` has gone over `limit` in the current window.

    When the cache itself is down the request is let through: a Redis restart must not take
    the widget down with it, and the queue cap below still holds from the database.
    """
    bucket = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{bucket}"
    # Increment first: a key that already counts (every message after a client's first in a
    # window) costs one Redis round trip instead of two (bench/chat_load.py profile).
    try:
        try:
            return cache.incr(cache_key) <= limit
        except ValueError:
            pass
        if cache.add(cache_key, 1, timeout=window_seconds + 1):
            return True
        # Another request created the key between our incr and add.
        return cache.incr(cache_key) <= limit
    except ValueError:
        return True  # the key expired between add and incr: a new window
    except Exception as error:  # redis.ConnectionError and friends: the cache is unreachable.
        logger.warning("rate limit %s not counted, cache unavailable: %s", scope, error)
        return True


def retry_after(window_seconds: int = 60) -> int:
    """Seconds until the current window ends."""
    return max(1, math.ceil(window_seconds - time.time() % window_seconds))


def too_many(message: str = TOO_MANY, *, retry_after_seconds: int | None = None) -> JsonResponse:
    # Marked with gettext_noop above, translated here into the request's language.
    response = JsonResponse({"error": gettext(message)}, status=429)
    response["Retry-After"] = str(retry_after_seconds or retry_after())
    return response


def refuse_client(request, scope: str, *, client_key: str | None = None) -> JsonResponse | None:
    """A 429 response when this client is over its limit for `scope`; counted before any parsing."""
    per_client, _ = _limits(scope)
    if not hit(scope, client_key or client_ip(request), limit=per_client):
        return too_many()
    return None


def refuse_department(scope: str, department) -> JsonResponse | None:
    """A 429 response when `department` as a whole is over its limit for `scope`."""
    _, per_department = _limits(scope)
    if department is None or not per_department:
        return None
    if not hit(f"{scope}:department", str(department.pk), limit=per_department):
        logger.warning("department %s over its %s limit", department.pk, scope)
        return too_many(DEPARTMENT_BUSY)
    return None


def refuse_anonymous(request, scope: str, *, department=None, client_key: str | None = None) -> JsonResponse | None:
    """Both limits at once. A client already refused does not use up its department's budget."""
    return refuse_client(request, scope, client_key=client_key) or refuse_department(scope, department)


# --- The queue cap --------------------------------------------------------------------------
# One address may keep only a few chats waiting: past that, a script could fill every
# operator's Patron Chats list and push real patrons down the line. The chat ids are kept in
# the cache; whether they still wait comes from the database, so it holds across processes.


def _waiting_key(request) -> str:
    return f"waiting-chats:{client_ip(request)}"


def queue_full(request) -> bool:
    from chat.models import Chat

    try:
        ids = cache.get(_waiting_key(request)) or []
    except Exception as error:
        logger.warning("queue cap not checked, cache unavailable: %s", error)
        return False
    if not ids:
        return False
    waiting = Chat.objects.filter(pk__in=ids, status=Chat.Status.WAITING).count()
    return waiting >= settings.DESK_MAX_WAITING_CHATS_PER_CLIENT


def remember_waiting_chat(request, chat) -> None:
    from chat.models import Chat

    try:
        ids = cache.get(_waiting_key(request)) or []
        still_waiting = {
            str(i) for i in Chat.objects.filter(pk__in=ids, status=Chat.Status.WAITING).values_list("pk", flat=True)
        }
        cache.set(_waiting_key(request), [*still_waiting, str(chat.pk)], timeout=24 * 3600)
    except Exception as error:
        logger.warning("queue cap not recorded, cache unavailable: %s", error)
