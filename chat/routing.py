from django.urls import path

from chat.consumers import DashboardConsumer, PatronConsumer

websocket_urlpatterns = [
    path("ws/widget/v1/chats/<str:chat_id>/", PatronConsumer.as_asgi()),
    path("ws/desk/", DashboardConsumer.as_asgi()),
]
