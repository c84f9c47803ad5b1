from django.apps import AppConfig


class DeskServiceConfig(AppConfig):
    name = "deskservice"
    verbose_name = "Desk"
