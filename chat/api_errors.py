"""One translation of the chat's refusals into JSON errors, shared by the widget and desk APIs."""

from chat import services
from deskservice.jsonapi import BadRequest, error_response
from deskservice.languages import refusal


def call_with_json_errors(view, request, *args, **kwargs):
    """Run `view`; a BadRequest or a ChatError becomes {"error", "field"?} with its status code."""
    try:
        return view(request, *args, **kwargs)
    except BadRequest as error:
        return error_response(refusal(error), error.status, error.field)
    except services.ChatError as error:
        return error_response(refusal(error), error.status_code, error.field)
