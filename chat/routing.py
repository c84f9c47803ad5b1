from channels.auth import AuthMiddlewareStack
from channels.sessions import CookieMiddleware
from django.urls import path

from chat.consumers import DashboardConsumer, PatronConsumer

# Only the dashboard needs the operator's session and user. The patron's socket is anonymous
# (its first frame carries the chat's token): the session middleware would only wrap every
# frame sent to it (bench/chat_load.py). Its cookies stay for the language switch.
websocket_urlpatterns = [
    path("ws/widget/v1/chats/<str:chat_id>/", CookieMiddleware(PatronConsumer.as_asgi())),
    path("ws/desk/", AuthMiddlewareStack(DashboardConsumer.as_asgi())),
]
