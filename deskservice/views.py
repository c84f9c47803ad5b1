"""Pages of the desk itself: the demo library page, the widget frame, and the dashboard."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt

from deskservice.origins import frame_ancestors
from deskservice.selectors import is_operator


def demo_library_page(request):
    """A stand-in for a library's web site, embedding the widget with its one script tag."""
    return render(request, "demo/library.html")


@xframe_options_exempt
def widget_frame(request):
    """The widget's iframe. Only the library sites in WIDGET_ALLOWED_ORIGINS may frame it."""
    context = {
        "full_page": request.GET.get("full") == "1",
        "attachment_max_mb": settings.DESK_ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    response = render(request, "widget/widget.html", context)
    response._csp_replace = {"frame-ancestors": frame_ancestors().split()}
    return response


@login_required
def dashboard(request):
    if not is_operator(request.user):
        raise PermissionDenied("Only operators of a department can open the chat dashboard.")
    return render(request, "desk/dashboard.html", {"heartbeat_seconds": settings.DESK_HEARTBEAT_SECONDS})
