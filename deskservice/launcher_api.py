"""GET /api/widget/v1/launcher: what embed.js needs to draw the chat button on a library's page.

embed.js runs on the library's own site, so this answer is read across origins: it carries
`Access-Control-Allow-Origin` for the allowed library sites (the rest of the widget API sends
none, and is called from the widget's iframe on the desk's origin). It holds nothing private,
only what the supervisor set in the admin (Desk settings).
"""

from django.http import JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from chat.widget_api import widget_endpoint
from deskservice.languages import request_language
from deskservice.models import DeskSettings
from deskservice.views import WIDGET_COLOUR

# Library pages load the button on every page view; an admin change shows within minutes.
MAX_AGE_SECONDS = 300


@widget_endpoint(["GET"])
def launcher(request):
    desk = DeskSettings.current()
    colour = desk.widget_colour if WIDGET_COLOUR.fullmatch(desk.widget_colour or "") else None
    response = JsonResponse({"label": desk.launcher_label_for(request_language(request)) or None, "colour": colour})
    origin = request.headers.get("Origin")
    # widget_endpoint has refused origins that may not embed the widget; any that reach here may read.
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ["Origin", "Accept-Language"])
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response
