"""Desk settings in the admin: the widget's addresses, ready for a supervisor to copy."""

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def widget_addresses() -> dict:
    """The full-page chat (email signatures, QR codes), in each language, and the embed tag."""
    site = settings.SITE_URL
    return {
        "full_page": f"{site}/widget/?full=1",
        "full_page_es": f"{site}/widget/?full=1&lang=es",
        "embed": f'<script src="{site}/{settings.STATIC_URL.strip("/")}/widget/embed.js" async></script>',
    }


class WidgetLinksMixin:
    """Adds the read-only "Widget links" to the Desk settings page."""

    readonly_fields = ["widget_links"]

    @admin.display(description=_("Widget links"))
    def widget_links(self, obj):
        addresses = widget_addresses()
        return format_html(
            '<p>{3}<br><a href="{0}">{0}</a></p><p>{4}<br><a href="{1}">{1}</a></p><p>{5}<br><code>{2}</code></p>',
            addresses["full_page"],
            addresses["full_page_es"],
            addresses["embed"],
            gettext("Full-page chat, for email signatures and QR codes:"),
            gettext("The same in Spanish:"),
            gettext("For the library's pages (the chat button), paste once per page:"),
        )
