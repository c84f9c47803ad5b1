from django.urls import path

from analytics import record_views, report_views, ticket_views, views

app_name = "analytics"

urlpatterns = [
    path("chats/<uuid:chat_id>/interaction", views.chat_interaction, name="chat_interaction"),
    path("tickets/<int:number>/interaction", ticket_views.ticket_interaction, name="ticket_interaction"),
    path("record/", record_views.record_page, name="record"),
    path("reports/", report_views.report_page, name="reports"),
    path("reports/interactions.csv", report_views.export_csv, name="export_csv"),
]
