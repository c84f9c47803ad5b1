"""Creating FAQ entries and counting the views patrons make."""

from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from faq.models import FaqEntry


class FaqError(Exception):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _free_slug(text: str) -> str:
    base = slugify(text)[:70].strip("-") or "answer"
    slug, n = base, 2
    while FaqEntry.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_entry(
    *,
    actor,
    question: str,
    answer: str,
    department=None,
    topics: str = "",
    link: str = "",
    slug: str = "",
    published: bool = True,
    source_chat=None,
    source_ticket=None,
) -> FaqEntry:
    """Make an FAQ entry (Make FAQ), by `actor`, from a chat or ticket answer or from scratch."""
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question:
        raise FaqError(gettext_noop("Write the question patrons ask."), field="question")
    if not answer:
        raise FaqError(gettext_noop("Write the answer."), field="answer")
    with transaction.atomic():
        if slug and FaqEntry.objects.filter(slug=slug).exists():
            raise FaqError(gettext_noop("Another FAQ entry already has that address."), field="slug")
        return FaqEntry.objects.create(
            question=question[:300],
            answer=answer,
            department=department,
            topics=topics,
            link=link,
            slug=slug or _free_slug(question),
            published=published,
            created_by=actor,
            source_chat=source_chat,
            source_ticket=source_ticket,
        )


def count_view(*, entry_id) -> FaqEntry | None:
    """A patron opened a published entry: one more view, counted in the database (no lost updates)."""
    with transaction.atomic():
        updated = FaqEntry.objects.filter(pk=entry_id, published=True).update(view_count=F("view_count") + 1)
        if not updated:
            return None
        return FaqEntry.objects.get(pk=entry_id)
