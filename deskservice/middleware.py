"""Turns a database outage into a clear 503 instead of a 500 page."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

MESSAGE = gettext_noop("The desk cannot reach its database right now. Please try again in a minute.")


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable: %s", exception)
        wants_json = request.path.startswith(("/api/", "/desk/api/", "/healthz"))
        message = gettext(MESSAGE)  # in the request's language (LocaleMiddleware ran before)
        if wants_json:
            response = JsonResponse({"error": message}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response
