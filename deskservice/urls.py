from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from chat import desk_api, transfer_api, widget_api
from chat.attachments import views as attachment_views
from chat.screenshare import views as screenshare_views
from chat.sms import webhook as sms_webhook
from deskservice import health, launcher_api, views
from faq import api as faq_api
from tickets import widget_api as ticket_widget_api

widget_v1 = [
    path("status", widget_api.status, name="status"),
    path("chats", widget_api.start_chat, name="start_chat"),
    path("chats/<str:chat_id>/messages", widget_api.messages, name="messages"),
    path("chats/<str:chat_id>/transcript", widget_api.transcript, name="transcript"),
    path("chats/<str:chat_id>/rating", widget_api.rating, name="rating"),
    path("chats/<str:chat_id>/end", widget_api.end, name="end"),
    path("tickets", ticket_widget_api.create_ticket, name="create_ticket"),
    path("chats/<str:chat_id>/attachments", attachment_views.upload, name="attachments"),
    path(
        "chats/<str:chat_id>/attachments/<int:attachment_id>",
        attachment_views.patron_download,
        name="attachment",
    ),
    path("chats/<str:chat_id>/screenshare/<int:request_id>", screenshare_views.answer, name="screenshare_answer"),
    path("faq", faq_api.widget_suggestions, name="faq"),
    path("faq/<int:entry_id>/view", faq_api.widget_view, name="faq_view"),
    path("launcher", launcher_api.launcher, name="launcher"),
]

desk = [
    path("", views.dashboard, name="dashboard"),
    path("api/chats/<str:chat_id>/claim", desk_api.claim, name="claim"),
    path("api/chats/<str:chat_id>/canned", desk_api.canned, name="canned"),
    path("api/chats/<str:chat_id>/end", desk_api.end, name="end"),
    path("api/chats/<str:chat_id>/close", desk_api.close, name="close"),
    path("api/chats/<str:chat_id>/transcript", desk_api.transcript, name="transcript"),
    path("api/chats/<str:chat_id>/ticket", desk_api.ticket, name="chat_ticket"),
    path("api/chats/<str:chat_id>/ban", desk_api.ban, name="ban"),
    path("api/chats/<str:chat_id>/patron", desk_api.patron, name="patron"),
    path("chats/<uuid:chat_id>/transcript", views.chat_transcript, name="chat_transcript"),
    path("api/chats/<str:chat_id>/transfer-targets", transfer_api.transfer_targets, name="transfer_targets"),
    path("api/chats/<str:chat_id>/transfer", transfer_api.transfer, name="transfer"),
    path("api/chats/<str:chat_id>/reassign", transfer_api.reassign, name="reassign"),
    path("api/transfers/<int:transfer_id>/accept", transfer_api.accept_transfer, name="accept_transfer"),
    path("api/transfers/<int:transfer_id>/decline", transfer_api.decline_transfer, name="decline_transfer"),
    path("api/internal", transfer_api.internal_conversations, name="internal_conversations"),
    path("api/internal/open", transfer_api.open_internal, name="open_internal"),
    path("api/internal/<int:conversation_id>/messages", transfer_api.internal_messages, name="internal_messages"),
    path("api/internal/<int:conversation_id>/read", transfer_api.internal_read, name="internal_read"),
    path("api/duty", transfer_api.duty, name="duty"),
    path("api/operators", transfer_api.operators, name="operators"),
    path("api/active-chats", transfer_api.active_chats, name="active_chats"),
    path("api/attachments/<int:attachment_id>/download", attachment_views.staff_download, name="attachment"),
    path("api/chats/<str:chat_id>/screenshare", screenshare_views.request_screenshare, name="screenshare"),
    path("api/faq", faq_api.desk_lookup, name="faq"),
    path("api/alert-preferences", views.alert_preferences, name="alert_preferences"),
    path("api/chats/<str:chat_id>/leave", desk_api.leave, name="leave"),
]

urlpatterns = [
    path("", views.demo_library_page, name="demo"),
    path("widget/", views.widget_frame, name="widget"),
    # The widget's words for its JavaScript, in the language its `lang` parameter asks for.
    path("widget/i18n.js", JavaScriptCatalog.as_view(), name="widget-i18n"),
    # The staff's language switch in the top bar: Django's set_language (POST, CSRF), kept in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("api/widget/v1/", include((widget_v1, "widget_api"))),
    path("desk/", include((desk, "desk"))),
    path("analytics/", include("analytics.urls")),
    path("tickets/", include("tickets.urls")),
    path("faq/", include("faq.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sms/<str:provider_name>/inbound", sms_webhook.inbound, name="sms_inbound"),
    path("admin/", admin.site.urls),
]
