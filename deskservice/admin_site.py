"""The admin site supervisors run the desk from."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from deskservice import roles


class DeskAdminSite(admin.AdminSite):
    site_header = _("Desk Service administration")
    site_title = _("Desk Service admin")
    index_title = _("Run the desk")
    index_template = "admin/desk_index.html"

    def has_permission(self, request):
        """Supervisors (and backup supervisors, for the audit log) by role; is_staff still works."""
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_staff or user.has_perm(roles.RUN_DESK) or user.has_perm(roles.VIEW_AUDIT)

    def index(self, request, extra_context=None):
        # The erasure page is no model's list, so the index links it itself, for those who may use it.
        extra_context = {"may_erase_patron": request.user.has_perm(roles.ERASE_PATRON), **(extra_context or {})}
        return super().index(request, extra_context)


class DeskAdminConfig(AdminConfig):
    """django.contrib.admin with DeskAdminSite as admin.site (INSTALLED_APPS names this)."""

    default_site = "deskservice.admin_site.DeskAdminSite"
