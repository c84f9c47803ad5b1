"""FAQ answers: good chat and ticket answers kept for patrons to find before they ask."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class FaqEntry(models.Model):
    question = models.CharField(max_length=300)
    answer = models.TextField(help_text="Plain text; web addresses become links.")
    department = models.ForeignKey(
        "deskservice.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="faq_entries"
    )
    topics = models.CharField(max_length=200, blank=True, help_text="Comma-separated, e.g. printing, accounts.")
    link = models.URLField("More information", blank=True, help_text="A page of the library's site, if any.")
    slug = models.SlugField(max_length=80, unique=True)
    published = models.BooleanField(default=True, help_text="Only published answers are shown to patrons.")
    view_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source_chat = models.ForeignKey("chat.Chat", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        # The full-text GIN index is made by migration 0002, on PostgreSQL only (faq/search.py).

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("faq:entry", kwargs={"slug": self.slug})

    def as_json(self, request=None) -> dict:
        url = self.get_absolute_url()
        return {
            "id": self.pk,
            "question": self.question,
            "answer": self.answer,
            "link": self.link,
            "url": request.build_absolute_uri(url) if request else url,
        }
