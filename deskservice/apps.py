from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DeskServiceConfig(AppConfig):
    name = "deskservice"
    verbose_name = "Desk"

    def ready(self):
        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender, **kwargs):
    """Keep the role groups whole when a later migration adds a model or permission they include."""
    from django.apps import apps

    from deskservice.roles import sync_role_groups

    sync_role_groups(apps)

