import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deskservice.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up first)

from chat.routing import websocket_urlpatterns  # noqa: E402
from deskservice.websocket_origins import WidgetOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WidgetOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
