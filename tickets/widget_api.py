"""POST /api/widget/v1/tickets: the widget's form when nobody is online."""

from django.http import JsonResponse
from django.utils.translation import gettext

from chat.widget_api import widget_endpoint
from deskservice import languages, ratelimit
from deskservice.jsonapi import BadRequest, error_response, optional_str, parse_json_object
from deskservice.languages import request_language
from deskservice.models import Department
from tickets import services
from tickets.models import Ticket


@widget_endpoint(["POST"], refuse_banned=True)
def create_ticket(request):
    if refusal := ratelimit.refuse_client(request, "widget_ticket"):
        return refusal
    data = parse_json_object(request)
    slug = optional_str(data, "department", limit=50)
    department = None
    if slug:
        department = Department.objects.filter(slug=slug, active=True).first()
        if department is None:
            raise BadRequest(gettext("Choose one of the library's departments."), field="department")
    if refusal := ratelimit.refuse_department("widget_ticket", department):
        return refusal
    try:
        ticket = services.create_ticket(
            question=data.get("question"),
            email=optional_str(data, "email", limit=254),
            name=optional_str(data, "name", limit=100),
            department=department,
            source=Ticket.Source.WIDGET,
            language=request_language(request),
        )
    except services.TicketError as error:
        # Fixed sentences are marked where raised and put in the patron's language here.
        return error_response(languages.refusal(error), 400, error.field)
    return JsonResponse({"number": ticket.number}, status=201)
