from django.contrib import admin

from faq.models import FaqEntry


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "department", "topics", "published", "view_count", "updated_at"]
    list_filter = ["published", "department"]
    list_select_related = ["department"]
    list_editable = ["published"]
    search_fields = ["question", "answer", "topics"]
    prepopulated_fields = {"slug": ["question"]}
    readonly_fields = ["view_count", "created_by", "source_chat", "source_ticket", "created_at", "updated_at"]
