"""JSON request parsing and error responses shared by the widget and desk APIs.

Errors are always {"error": "<sentence>", "field"?: "<name>"} with the right status code.
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

MAX_JSON_BODY_BYTES = 64 * 1024


class BadRequest(Exception):
    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field


def error_response(message: str, status: int, field: str | None = None) -> JsonResponse:
    payload = {"error": message}
    if field:
        payload["field"] = field
    return JsonResponse(payload, status=status)


def parse_json_object(request) -> dict:
    """The request body as a JSON object, or BadRequest with a sentence saying what is wrong."""
    try:
        body = request.body
    except RequestDataTooBig:
        # Over Django's DATA_UPLOAD_MAX_MEMORY_SIZE: answer in the API's own JSON, not an HTML 400.
        raise BadRequest("The request is too large.", status=413) from None
    if len(body) > MAX_JSON_BODY_BYTES:
        raise BadRequest("The request is too large.", status=413)
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except UnicodeDecodeError:
        raise BadRequest("The request body must be UTF-8 encoded JSON.") from None
    except json.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON.") from None
    except RecursionError:
        # "[[[[..." a few KB long exhausts the parser's stack before any size limit is reached.
        raise BadRequest("The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    if not is_encodable(data):
        raise BadRequest("The request body contains text that is not valid Unicode.")
    return data


def is_encodable(data) -> bool:
    """False when JSON escapes such as "\\ud800" decoded to lone surrogates.

    Python accepts them, but PostgreSQL and email cannot encode them: stored, they would be a 500.
    """
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def optional_str(data: dict, key: str, *, limit: int = 500) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"The {key} must be text.", field=key)
    if len(value) > limit:
        raise BadRequest(f"The {key} is too long (at most {limit} characters).", field=key)
    # PostgreSQL cannot store NUL in text; refuse it here rather than fail in the database.
    return value.replace("\x00", "")
