"""FAQ answers: good chat and ticket answers kept for patrons to find before they ask."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FaqEntry(models.Model):
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), help_text=_("Plain text; web addresses become links."))
    department = models.ForeignKey(
        "deskservice.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faq_entries",
        verbose_name=_("department"),
    )
    topics = models.CharField(
        _("topics"), max_length=200, blank=True, help_text=_("Comma-separated, e.g. printing, accounts.")
    )
    link = models.URLField(_("More information"), blank=True, help_text=_("A page of the library's site, if any."))
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    published = models.BooleanField(
        _("published"), default=True, help_text=_("Only published answers are shown to patrons.")
    )
    view_count = models.PositiveIntegerField(_("view count"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("created by")
    )
    source_chat = models.ForeignKey(
        "chat.Chat",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("source chat"),
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("source ticket"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["question"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        # The full-text GIN index is made by migration 0002, on PostgreSQL only (faq/search.py).

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return reverse("faq:entry", kwargs={"slug": self.slug})

    def as_json(self, request=None, *, language: str = "") -> dict:
        url = self.get_absolute_url()
        if language and language != settings.LANGUAGE_CODE:
            # The widget's language, which may not be the browser's: the answer's own page opens in it too.
            url += f"?lang={language}"
        return {
            "id": self.pk,
            "question": self.question,
            "answer": self.answer,
            "link": self.link,
            "url": request.build_absolute_uri(url) if request else url,
        }
