from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeskServiceConfig(AppConfig):
    name = "deskservice"
    verbose_name = _("Desk")

    def ready(self):
        post_migrate.connect(_sync_roles, dispatch_uid="deskservice.sync_roles")


def _sync_roles(sender, **kwargs):
    """Keep the role groups whole when a later migration adds a model or permission they include.

    post_migrate is sent once per app, and each app's permissions are created on its own
    signal: syncing on the last app's signal sees every permission.
    """
    from django.apps import apps

    from deskservice.roles import sync_role_groups

    if sender.label != list(apps.get_app_configs())[-1].label:
        return
    sync_role_groups(apps)
