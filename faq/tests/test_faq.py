"""FAQ answers: search (PostgreSQL full text, substring fallback), views, Make FAQ, the desk lookup."""

import pytest
from django.db import connection
from django.urls import reverse

from chat.models import Chat, Message
from faq import search, services
from faq.models import FaqEntry

ENTRIES = [
    ("How do I renew my books?", "Sign in to My Account and choose Renew. https://library.example.edu/renew", "loans"),
    ("Where can I print?", "Printers are on every floor; pay with your campus card.", "printing"),
    ("Can I print from my laptop?", "Yes: send it to the web print queue, then release it at a printer.", "printing"),
    ("How long can I keep a renewed book?", "Three weeks from the renewal.", "loans"),
    ("Is there a quiet study room?", "The third floor is silent.", "spaces"),
]


@pytest.fixture
def entries(db, sam):
    return [
        services.create_entry(actor=sam, question=question, answer=answer, topics=topics)
        for question, answer, topics in ENTRIES
    ]


def questions(found):
    return [entry.question for entry in found]


def test_full_text_search_ranks_the_question_above_the_answer_and_stems_words(entries):
    # "printing" stems to "print": both printing entries.
    assert set(questions(search.search("printing"))) == {"Where can I print?", "Can I print from my laptop?"}
    # More of the words found ranks higher.
    assert questions(search.search("web print"))[0] == "Can I print from my laptop?"
    # Half-typed words match by prefix; renew/renewed/renewal share a stem.
    assert set(questions(search.search("how do I rene"))) >= {
        "How do I renew my books?",
        "How long can I keep a renewed book?",
    }
    assert questions(search.search("renew my books"))[0] == "How do I renew my books?"
    assert search.search("zebra") == [] and search.search("  ?! ") == []
    assert len(search.search("print renew quiet floor")) == 3  # never more than three


def test_the_index_is_used_by_the_search(entries):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM faq_faqentry WHERE {search.VECTOR} @@ to_tsquery('english', 'print:*')")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "faq_entry_search" in plan


def test_the_fallback_matches_substrings_question_first(entries, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")  # the path SQLite takes, on the same rows
    assert questions(search.search("print laptop")) == ["Can I print from my laptop?", "Where can I print?"]
    assert questions(search.search("quiet")) == ["Is there a quiet study room?"]
    assert search.search("zebra") == []


def test_unpublished_entries_are_not_suggested_to_patrons(entries, client):
    FaqEntry.objects.filter(question="Where can I print?").update(published=False)
    response = client.get(reverse("widget_api:faq"), {"q": "print"})
    assert response.status_code == 200
    assert [row["question"] for row in response.json()["results"]] == ["Can I print from my laptop?"]


def test_the_widget_endpoint_answers_json_and_opening_counts_a_view(entries, client):
    found = client.get(reverse("widget_api:faq"), {"q": "renew"}).json()["results"]
    first = found[0]
    assert set(first) == {"id", "question", "answer", "link", "url"}
    assert first["url"].startswith("http://testserver/faq/")
    view = reverse("widget_api:faq_view", kwargs={"entry_id": first["id"]})
    assert client.post(view).json()["answer"] == FaqEntry.objects.get(pk=first["id"]).answer
    client.post(view)
    assert FaqEntry.objects.get(pk=first["id"]).view_count == 2
    assert client.post(reverse("widget_api:faq_view", kwargs={"entry_id": 999999})).status_code == 404
    long = client.get(reverse("widget_api:faq"), {"q": "x" * 201})
    assert long.status_code == 400 and "error" in long.json()


def test_the_widget_endpoint_is_rate_limited(entries, client, settings):
    settings.DESK_RATE_LIMIT_FAQ_PER_MINUTE = 2
    client.get(reverse("widget_api:faq"), {"q": "print"}, REMOTE_ADDR="203.0.113.9")
    client.get(reverse("widget_api:faq"), {"q": "print"}, REMOTE_ADDR="203.0.113.9")
    third = client.get(reverse("widget_api:faq"), {"q": "print"}, REMOTE_ADDR="203.0.113.9")
    assert third.status_code == 429 and "too many" in third.json()["error"]
    assert 1 <= int(third["Retry-After"]) <= 60
    # The patron reads the refusal in their language, like every other widget refusal.
    spanish = client.post(
        reverse("widget_api:faq_view", kwargs={"entry_id": entries[0].pk}),
        REMOTE_ADDR="203.0.113.9",
        headers={"Accept-Language": "es-ES,es;q=0.9", "Origin": "http://127.0.0.1:8000"},
    )
    assert spanish.status_code == 429 and "Retry-After" in spanish
    assert spanish.json()["error"].startswith("Está enviando demasiadas solicitudes")


def test_the_public_page_escapes_the_answer_and_links_addresses(db, sam, client):
    entry = services.create_entry(
        actor=sam, question="Scripts?", answer="<script>alert(1)</script> See https://library.example.edu/a"
    )
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="https://library.example.edu/a"' in html


def make_chat(department, alice):
    chat = Chat.objects.create(
        department=department, token_hash="0" * 64, question="Can I borrow a laptop charger?", operator=alice
    )
    Message.objects.create(chat=chat, sender="patron", body="Can I borrow a laptop charger?")
    reply = Message.objects.create(chat=chat, sender="operator", operator=alice, body="Yes, at the front desk.")
    return chat, reply


def test_make_faq_from_a_chat_answer_in_two_clicks(client, alice, departments):
    chat, reply = make_chat(departments["research"], alice)
    client.force_login(alice)
    url = f"{reverse('faq:make')}?chat={chat.pk}&message={reply.pk}"
    form = client.get(url).context["form"]
    assert form["question"].value() == "Can I borrow a laptop charger?"
    assert form["answer"].value() == "Yes, at the front desk."
    data = {
        "question": form["question"].value(),
        "answer": form["answer"].value(),
        "department": departments["research"].pk,
        "published": "on",
    }
    saved = client.post(url, data, follow=True)
    assert "Saved:" in saved.content.decode()
    entry = FaqEntry.objects.get()
    assert (entry.source_chat, entry.created_by, entry.slug) == (chat, alice, "can-i-borrow-a-laptop-charger")
    # Same question again: a free address, not an error.
    client.post(url, data)
    assert FaqEntry.objects.filter(slug="can-i-borrow-a-laptop-charger-2").exists()


def test_make_faq_keeps_the_text_on_bad_input_and_refuses_strangers(client, alice, stranger, departments):
    chat, reply = make_chat(departments["research"], alice)
    client.force_login(alice)
    response = client.post(reverse("faq:make"), {"question": "", "answer": "Kept answer", "link": "javascript:x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"question", "link"}
    assert "Kept answer</textarea>" in response.content.decode()
    assert client.get(f"{reverse('faq:make')}?chat=not-a-uuid").status_code == 404
    # Digits that are no number ("²".isdigit() is true) are no id: this was a 500.
    assert client.get(reverse("faq:make"), {"chat": chat.pk, "message": "²"}).status_code == 200
    assert client.get(reverse("faq:make"), {"saved": "²"}).status_code == 200
    client.force_login(stranger)
    assert client.get(reverse("faq:make")).status_code == 403


def test_the_desk_lookup_needs_an_operator_and_finds_drafts_too(entries, client, alice, stranger):
    FaqEntry.objects.filter(question="Where can I print?").update(published=False)
    assert client.get(reverse("desk:faq"), {"q": "print"}).status_code == 401
    client.force_login(stranger)
    assert client.get(reverse("desk:faq"), {"q": "print"}).status_code == 403
    client.force_login(alice)
    results = client.get(reverse("desk:faq"), {"q": "print"}).json()["results"]
    assert {(row["question"], row["published"]) for row in results} == {
        ("Where can I print?", False),
        ("Can I print from my laptop?", True),
    }


def test_make_faq_from_a_ticket_reply_starts_on_the_ticket_page(client, alice, departments, settings, tmp_path):
    from tickets import services as ticket_services
    from tickets.models import Queue, TicketMessage

    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    queue = Queue.objects.create(name="Research & Instruction", slug="research", department=departments["research"])
    ticket = ticket_services.create_ticket(
        question="Do you have the 1990 census on microfilm?",
        email="pat@example.org",
        name="Pat",
        source="phone",
        queue=queue,
        operator=alice,
    )
    ticket_services.reply_to_ticket(ticket=ticket, operator=alice, body="Yes, on the second floor.", close=True)
    reply = TicketMessage.objects.get(ticket=ticket, kind="reply")
    client.force_login(alice)
    page = client.get(reverse("tickets:detail", kwargs={"number": ticket.number})).content.decode()
    make = f"{reverse('faq:make')}?ticket={ticket.number}&amp;message={reply.pk}"
    assert f'href="{make}">Make FAQ</a>' in page
    form = client.get(make.replace("&amp;", "&")).context["form"]
    assert form["question"].value() == "Do you have the 1990 census on microfilm?"
    assert form["answer"].value() == "Yes, on the second floor."
    assert form["department"].value() == departments["research"].pk
    client.post(
        make.replace("&amp;", "&"),
        {"question": form["question"].value(), "answer": "Yes: second floor.", "published": "on"},
    )
    assert FaqEntry.objects.get().source_ticket == ticket


def test_make_faq_refuses_a_chat_of_another_department(client, alice, carmen, departments):
    chat, reply = make_chat(departments["research"], alice)
    client.force_login(carmen)  # an operator of IDEAS
    url = f"{reverse('faq:make')}?chat={chat.pk}&message={reply.pk}"
    response = client.get(url)
    assert response.status_code == 404
    assert "laptop charger" not in response.content.decode() and "front desk" not in response.content.decode()
    posted = client.post(url, {"question": "Q?", "answer": "A.", "department": departments["ideas"].pk})
    assert posted.status_code == 404 and not FaqEntry.objects.exists()
