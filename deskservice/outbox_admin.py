"""Send again: the admin action that puts failed outbox rows (deskservice/outbox.py) back in it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from deskservice import roles
from deskservice.admin_actions import run_each


class SendAgainAdmin(admin.ModelAdmin):
    """An outbox row's admin: read-only, with Send again for supervisors.

    `send_again` is the service that sends one row again, called as
    `send_again(row, supervisor)`; it refuses rows that are not failed, with its reason.
    """

    actions = ["send_again_action"]

    def send_again(self, row, supervisor):
        raise NotImplementedError

    def has_send_again_permission(self, request):
        return request.user.has_perm(roles.RUN_DESK)

    @admin.action(description=_("Send again"), permissions=["send_again"])
    def send_again_action(self, request, queryset):
        run_each(request, queryset, lambda row: self.send_again(row, request.user))
