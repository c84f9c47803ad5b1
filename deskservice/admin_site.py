"""The admin site supervisors run the desk from."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from deskservice import roles


class DeskAdminSite(admin.AdminSite):
    site_header = "Desk Service administration"
    site_title = "Desk Service admin"
    index_title = "Run the desk"

    def has_permission(self, request):
        """Supervisors (and backup supervisors, for the audit log) by role; is_staff still works."""
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_staff or user.has_perm(roles.RUN_DESK) or user.has_perm(roles.VIEW_AUDIT)


class DeskAdminConfig(AdminConfig):
    """django.contrib.admin with DeskAdminSite as admin.site (INSTALLED_APPS names this)."""

    default_site = "deskservice.admin_site.DeskAdminSite"
