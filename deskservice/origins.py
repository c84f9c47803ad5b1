"""Which web origins may talk to the widget API and websockets.

The widget runs in an iframe served from the desk's own origin, so its requests carry the
desk's origin. Requests and sockets from the library sites in WIDGET_ALLOWED_ORIGINS are
accepted too (no CORS headers are sent, so their scripts cannot read API answers).
Anything else (a hostile page opening a socket with a patron's token) is refused.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache


def _normalise(origin: str) -> str:
    try:
        # The Origin header is the client's to write: "http://[::1" or a port of 99999 is refused, not raised.
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not parts.hostname:
        return ""
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = port if port and port != default_port else None
    # urlsplit drops an IPv6 address's brackets, which the Host header keeps.
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def library_sites() -> list[str]:
    """The embedding sites a supervisor added in the admin (Desk settings), cached for a minute
    and dropped from the cache when the settings are saved."""
    from deskservice.models import EMBEDDING_SITES_CACHE_KEY, DeskSettings

    sites = cache.get(EMBEDDING_SITES_CACHE_KEY)
    if sites is None:
        row = DeskSettings.objects.filter(pk=1).first()
        sites = row.embedding_site_list() if row else []
        cache.set(EMBEDDING_SITES_CACHE_KEY, sites, 60)
    return sites


def allowed_origins() -> set[str]:
    origins = {_normalise(o) for o in [*settings.WIDGET_ALLOWED_ORIGINS, *library_sites()]}
    origins.add(_normalise(settings.SITE_URL))
    return {o for o in origins if o}


def origin_allowed(origin: str | None, *, host: str | None = None) -> bool:
    """True for the desk's own origin (the Host it was reached on) and the allowed library sites."""
    if not origin:
        return False
    normalised = _normalise(origin)
    if not normalised:
        return False
    if host and normalised.split("://", 1)[1] == host.lower():
        return True
    return normalised in allowed_origins()


def frame_ancestors() -> str:
    sites = [*settings.WIDGET_ALLOWED_ORIGINS, *library_sites()]
    return " ".join(["'self'", *sorted({_normalise(o) for o in sites if _normalise(o)})])
