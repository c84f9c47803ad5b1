from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from deskservice.models import Department, Shift, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "active"]
    list_editable = ["position", "active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class OperatorAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "availability", "is_staff", "is_active"]
    list_filter = ["departments", "is_staff", "is_active", "groups"]
    fieldsets = UserAdmin.fieldsets + (("Desk", {"fields": ["departments", "availability"]}),)
    filter_horizontal = ["departments", "groups", "user_permissions"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["operator", "department", "weekday", "date", "starts_at", "ends_at"]
    list_filter = ["department", "weekday"]
    list_select_related = ["operator", "department"]
    autocomplete_fields = ["operator"]
