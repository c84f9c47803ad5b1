from django.urls import path

from tickets import inbound_api, views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("counts", views.ticket_counts, name="counts"),
    path("new/", views.ticket_new, name="new"),
    path("<int:number>/", views.ticket_detail, name="detail"),
    path("<int:number>/reply", views.ticket_reply, name="reply"),
    path("<int:number>/note", views.ticket_note, name="note"),
    path("<int:number>/status", views.ticket_status, name="status"),
    path("<int:number>/transfer", views.ticket_transfer, name="transfer"),
    path("<int:number>/take", views.ticket_take, name="take"),
    path("attachments/<int:attachment_id>/download", views.attachment_download, name="attachment"),
    path("inbound/email", inbound_api.inbound_email, name="inbound_email"),
]
