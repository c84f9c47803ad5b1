"""FAQ search: PostgreSQL full text (GIN index, ranked), or a plain substring match elsewhere.

The index is on an expression, and PostgreSQL uses it only when a query repeats that
expression word for word: VECTOR is both the index (migration 0002) and the WHERE clause.
"""

import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from faq.models import FaqEntry

VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, coalesce(question, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(answer, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(topics, '')), 'B'))"
)
MAX_WORDS = 8


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text or "")[:MAX_WORDS]


def search(text: str, *, limit: int = 3, published_only: bool = True, department=None) -> list[FaqEntry]:
    """The best `limit` entries for what someone typed; words match by prefix, so half-typed ones count."""
    words = words_of(text)
    if not words:
        return []
    entries = FaqEntry.objects.select_related("department")
    if published_only:
        entries = entries.filter(published=True)
    if department is not None:
        entries = entries.filter(Q(department=department) | Q(department__isnull=True))
    if connection.vendor == "postgresql":
        # Words are \w+ only, so nothing the patron typed reaches the tsquery syntax.
        query = " | ".join(f"{word}:*" for word in words)
        tsquery = "to_tsquery('english'::regconfig, %s)"
        return list(
            entries.extra(where=[f"{VECTOR} @@ {tsquery}"], params=[query])
            .annotate(rank=RawSQL(f"ts_rank({VECTOR}, {tsquery})", [query]))
            .order_by("-rank", "-view_count", "pk")[:limit]
        )
    matches = Q()
    for word in words:
        matches |= Q(question__icontains=word) | Q(answer__icontains=word) | Q(topics__icontains=word)
    found = list(entries.filter(matches).order_by("-view_count", "pk")[: limit * 10])
    lowered = [word.lower() for word in words]

    def score(entry):
        question, rest = entry.question.lower(), f"{entry.answer} {entry.topics}".lower()
        return -sum(2 * (word in question) + (word in rest) for word in lowered)

    return sorted(found, key=score)[:limit]
