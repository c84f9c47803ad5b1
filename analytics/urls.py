from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("chats/<uuid:chat_id>/interaction", views.chat_interaction, name="chat_interaction"),
]
