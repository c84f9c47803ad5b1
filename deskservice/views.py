"""Pages of the desk itself: the demo library page, the widget frame, and the dashboard."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt

from deskservice.languages import request_language
from deskservice.origins import frame_ancestors
from deskservice.selectors import is_operator


def demo_library_page(request):
    """A stand-in for a library's web site, embedding the widget with its one script tag."""
    return render(request, "demo/library.html")


def other_languages(request) -> list[dict]:
    """Links that reload the widget in each other language, keeping department and full-page."""
    current = request_language(request)
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        query = request.GET.copy()
        query["lang"] = code
        links.append({"code": code, "name": name, "query": query.urlencode()})
    return links


@xframe_options_exempt
def widget_frame(request):
    """The widget's iframe. Only the library sites in WIDGET_ALLOWED_ORIGINS may frame it."""
    context = {"full_page": request.GET.get("full") == "1", "other_languages": other_languages(request)}
    response = render(request, "widget/widget.html", context)
    response._csp_replace = {"frame-ancestors": frame_ancestors().split()}
    return response


@login_required
def dashboard(request):
    if not is_operator(request.user):
        raise PermissionDenied("Only operators of a department can open the chat dashboard.")
    return render(request, "desk/dashboard.html", {"heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS})
