from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deskservice import roles
from deskservice.admin_widget import WidgetLinksMixin
from deskservice.models import AuditEntry, Department, DeskSettings, Shift, User
from deskservice.retention import erase_patron


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "active"]
    list_editable = ["position", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class OperatorAdmin(UserAdmin):
    """Supervisors add and configure operators; only a superuser grants more than a desk role.

    A supervisor holds change_user, so without the limits below they could tick is_superuser
    on their own account, give themselves any permission, or take over a superuser by
    changing their password.
    """

    list_display = ["username", "first_name", "last_name", "email", "availability", "is_staff", "is_active"]
    list_filter = ["departments", "is_staff", "is_active", "groups"]
    fieldsets = UserAdmin.fieldsets + ((_("Desk"), {"fields": ["departments", "availability"]}),)
    add_fieldsets = (
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("Operator"), {"fields": ["first_name", "last_name", "email", "groups", "departments"]}),
    )
    filter_horizontal = ["departments", "groups", "user_permissions"]
    # What only a superuser may change: each grants more than the four role groups do.
    SUPERUSER_ONLY_FIELDS = ["is_staff", "is_superuser", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.SUPERUSER_ONLY_FIELDS
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.ROLES).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        # The groups field offers a supervisor only the desk roles; keep any other group a
        # superuser gave the account instead of dropping it on save.
        other_groups = []
        if change and not request.user.is_superuser:
            other_groups = list(form.instance.groups.exclude(name__in=roles.ROLES))
        super().save_related(request, form, formsets, change)
        form.instance.groups.add(*other_groups)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["operator", "department", "weekday", "date", "starts_at", "ends_at"]
    list_filter = ["department", "weekday"]
    list_select_related = ["operator", "department"]
    autocomplete_fields = ["operator"]


@admin.register(DeskSettings)
class DeskSettingsAdmin(WidgetLinksMixin, admin.ModelAdmin):
    """One row: opening the list goes straight to it."""

    list_display = ["__str__", "retention_days", "meeting_url"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not DeskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings_row = DeskSettings.current()
        return redirect(reverse("admin:deskservice_desksettings_change", args=[settings_row.pk]))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    list_display = ["at", "actor_name", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor", "actor_name", "action", "object_type", "object_id", "detail"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [
            path(
                "erase-patron/",
                self.admin_site.admin_view(self.erase_patron_view),
                name="deskservice_erase_patron",
            )
        ]
        return extra + super().get_urls()

    def erase_patron_view(self, request):
        """A patron asked to be forgotten: erase their chats and tickets by email address."""
        if not request.user.has_perm(roles.ERASE_PATRON):
            raise PermissionDenied
        form = ErasePatronForm(request.POST or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = erase_patron(email=form.cleaned_data["email"], actor=request.user)
            messages.success(
                request,
                gettext(
                    "Erased %(chats)s chat(s) and %(tickets)s ticket(s) of that patron; %(files)s file(s) deleted; "
                    "%(emails)s received email(s) that reached no ticket emptied. The statistics stay."
                )
                % {"chats": result.chats, "tickets": result.tickets, "files": result.files, "emails": result.emails},
            )
            form = ErasePatronForm()
        context = {**self.admin_site.each_context(request), "title": gettext("Erase a patron's data"), "form": form}
        return TemplateResponse(request, "admin/deskservice/erase_patron.html", context)


class ErasePatronForm(forms.Form):
    email = forms.EmailField(label=_("Patron's email address"))
    confirm = forms.BooleanField(
        label=_("I understand this removes their names, addresses, questions, messages and files for good.")
    )
