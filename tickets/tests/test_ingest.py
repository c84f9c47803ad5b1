"""Inbound mail on real-world message files (tickets/tests/mail/): what each becomes."""

from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings

from tickets import services
from tickets.ingest import ingest_email
from tickets.models import InboundEmail, OutgoingEmail, Ticket, TicketAttachment, TicketChange, TicketMessage

pytestmark = pytest.mark.django_db


def replied(ticket, operator):
    """The operator has answered: the ticket is pending and we know our reply's Message-ID."""
    reply = services.reply_to_ticket(ticket=ticket, operator=operator, body="Try the proxy link.")
    ticket.refresh_from_db()
    return reply.message_id


# --- New questions ---------------------------------------------------------------------------


def test_it_opens_a_ticket_from_a_quoted_printable_multipart_message(queues, mail):
    result = ingest_email(mail("gmail_new_question_qp.eml"))
    assert result.outcome == "created"
    ticket = result.ticket
    assert (ticket.source, ticket.queue, ticket.patron_name, ticket.patron_email) == (
        "email",
        queues["access"],
        "María García",
        "maria.garcia.student@gmail.com",
    )
    assert ticket.subject == "Préstamo interbibliotecario – thesis sources"
    assert "thesis on García Márquez" in ticket.question and "Cien años de soledad" in ticket.question
    assert "<div" not in ticket.question  # The plain part was chosen, not the HTML.
    assert ticket.source_message_id == "<CAJ4pVq8mXkZ9=2d0gN7uYQ-tTqkFm1w4aR4Y6K3p1d9sW8QfZw@mail.gmail.com>"
    ack = OutgoingEmail.objects.get(ticket=ticket)
    assert (ack.kind, ack.to_email) == ("acknowledgement", "maria.garcia.student@gmail.com")
    assert InboundEmail.objects.get().outcome == "created"


def test_it_reads_iso_2022_jp(queues, mail):
    ticket = ingest_email(mail("iso2022jp_question.eml")).ticket
    assert ticket.subject == "開館時間について"
    assert ticket.patron_name == "山田 花子"
    assert ticket.question.startswith("図書館の開館時間を教えてください。")


def test_it_reads_an_unknown_charset_as_windows_1252_and_says_so(queues, mail):
    ticket = ingest_email(mail("unknown_charset.eml")).ticket
    assert ticket.subject == "Horaires d'été"
    assert "horaires d'été de la bibliothéque" in ticket.question
    assert "Unknown character set “x-mac-klingon”" in ticket.question


def test_it_keeps_only_the_text_of_html_only_mail(queues, mail):
    ticket = ingest_email(mail("html_only_with_script.eml")).ticket
    assert "group study room for 6 people on Friday & Saturday?" in ticket.question
    for markup in ("<script", "fetch(", "<img", "onerror", "color: red"):
        assert markup not in ticket.question


def test_it_stores_attachments_privately_under_safe_names(queues, mail):
    ticket = ingest_email(mail("attachments_mixed.eml")).ticket
    files = list(TicketAttachment.objects.filter(ticket=ticket).order_by("id"))
    assert [(f.filename, f.content_type, f.message_id) for f in files] == [
        ("draft chapter 2.pdf", "application/pdf", None),
        ("reading-list.html", "text/html", None),
    ]
    root = Path(settings.PRIVATE_STORAGE_ROOT) / "tickets"
    for file in files:
        stored = root / file.path
        assert stored.is_file() and stored.suffix == ""  # Random name, no extension to act on.
        assert stored.stat().st_mode & 0o077 == 0
    assert (root / files[0].path).read_bytes().startswith(b"%PDF-1.4")


def test_it_drops_attachments_over_the_limit_and_says_so(queues, settings):
    settings.DESK_INBOUND_ATTACHMENT_MAX_BYTES = 1000
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "pat@example.org", "desk@library.example.edu", "Scan"
    message.set_content("My scan is attached.")
    message.add_attachment(b"\x89PNG" + b"0" * 5000, maintype="image", subtype="png", filename="scan.png")
    ticket = ingest_email(message.as_bytes()).ticket
    assert not TicketAttachment.objects.exists()
    assert "scan.png (4 KB) is over the attachment size limit" in ticket.question


# --- Replies ---------------------------------------------------------------------------------


def test_it_threads_a_windows_1252_reply_by_its_reply_address_and_reopens(phone_ticket, alice, mail):
    our_id = replied(phone_ticket, alice)
    assert phone_ticket.status == "pending"
    result = ingest_email(mail("windows1252_reply.eml", phone_ticket, our_id))
    assert (result.outcome, result.ticket) == ("threaded", phone_ticket)
    entry = TicketMessage.objects.get(ticket=phone_ticket, kind="patron")
    assert entry.from_name == "Jérôme Lefèvre" and entry.from_email == "jerome.lefevre@alumni.example.org"
    assert entry.body.startswith("Merci beaucoup\xa0! The café hours you sent are perfect – I’ll come")
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "open"
    assert not OutgoingEmail.objects.filter(kind="acknowledgement").exists()  # Replies are never acknowledged.


def test_it_threads_an_outlook_reply_by_subject_and_folds_the_quoted_history(phone_ticket, alice, mail):
    Ticket.objects.filter(pk=phone_ticket.pk).update(patron_email="chidi.okafor@students.example.edu")
    replied(phone_ticket, alice)
    # No Message-ID of ours in it (Outlook dropped them): only [#number] in the subject remains.
    raw = mail("outlook_reply_with_history.eml", phone_ticket, "<lost@outlook>")
    result = ingest_email(raw)
    assert result.outcome == "threaded" and result.ticket == phone_ticket
    entry = TicketMessage.objects.get(ticket=phone_ticket, kind="patron")
    assert entry.body == (
        "Thank you, the proxy link works now. One more question: can I also get the PDFs from Project MUSE "
        "the same way?\n\nChidi"
    )
    assert entry.quoted.startswith("________________________________\nFrom: Library Ask Desk")


def test_it_opens_a_new_ticket_when_a_stranger_names_a_ticket_in_the_subject(phone_ticket, mail):
    # Anyone can type [#10001]; only the patron or the ticket's team may thread by it.
    result = ingest_email(mail("outlook_reply_with_history.eml", phone_ticket, "<lost@outlook>"))
    assert result.outcome == "created" and result.ticket != phone_ticket
    note = TicketMessage.objects.get(ticket=result.ticket, kind="note")
    assert f"names #{phone_ticket.number}" in note.body and "chidi.okafor@students.example.edu" in note.body
    assert not TicketMessage.objects.filter(ticket=phone_ticket).exists()


def test_it_threads_by_our_message_id_when_the_address_and_subject_are_gone(phone_ticket, alice):
    our_id = replied(phone_ticket, alice)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "pat.other@example.net", "desk@library.example.edu", "hi"
    message["In-Reply-To"] = our_id
    message.set_content("Answering from my other address.")
    assert ingest_email(message.as_bytes()).ticket == phone_ticket


def test_it_records_an_out_of_office_reply_without_reopening_or_answering(phone_ticket, alice, mail):
    our_id = replied(phone_ticket, alice)
    result = ingest_email(mail("out_of_office.eml", phone_ticket, our_id))
    assert result.outcome == "threaded"
    entry = TicketMessage.objects.get(ticket=phone_ticket, kind="patron")
    assert entry.automatic
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "pending"
    assert OutgoingEmail.objects.count() == 1  # Only our reply: nothing answers an automatic reply.


def test_it_ignores_automatic_mail_that_answers_no_ticket(queues, mail):
    raw = mail("out_of_office.eml").replace(b"{{TOKEN}}", b"00000000000000000000").replace(b"{{NUMBER}}", b"1")
    result = ingest_email(raw)
    assert result.outcome == "automatic" and result.ticket is None
    assert not Ticket.objects.exists() and not OutgoingEmail.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: vacation",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: auto_reply",
    ],
)
def test_it_never_acknowledges_automatic_mail(queues, header):
    raw = f"From: robot@example.org\r\nTo: desk@library.example.edu\r\nSubject: Hello\r\n{header}\r\n\r\nHi\r\n"
    assert ingest_email(raw.encode()).outcome == "automatic"
    assert not OutgoingEmail.objects.exists()


def test_it_still_answers_mail_marked_auto_submitted_no(queues):
    raw = b"From: pat@example.org\r\nTo: desk@library.example.edu\r\nSubject: Hi\r\nAuto-Submitted: no\r\n\r\nHi\r\n"
    assert ingest_email(raw).outcome == "created"
    assert OutgoingEmail.objects.filter(kind="acknowledgement").count() == 1


# --- External teams --------------------------------------------------------------------------


def test_it_records_the_incident_number_from_the_its_auto_reply(phone_ticket, alice, its, mail):
    services.transfer_ticket(ticket=phone_ticket, operator=alice, queue=phone_ticket.queue, team=its, close=True)
    result = ingest_email(mail("its_servicenow_autoreply.eml", phone_ticket))
    assert (result.outcome, result.ticket) == ("threaded", phone_ticket)
    phone_ticket.refresh_from_db()
    assert phone_ticket.incident_number == "INC0012345"
    assert phone_ticket.status == "closed"  # The receipt needs no further work.
    entry = TicketMessage.objects.get(ticket=phone_ticket, kind="external")
    assert entry.automatic and entry.from_email == "servicenow@its.example.edu"
    change = TicketChange.objects.get(ticket=phone_ticket, field="incident_number")
    assert (change.old_value, change.new_value, change.actor) == ("", "INC0012345", None)
    assert OutgoingEmail.objects.filter(kind="acknowledgement").count() == 0


def test_it_reads_the_incident_number_only_with_the_teams_pattern(phone_ticket, alice, its, mail):
    its.incident_pattern = r"RITM\d{7}"
    its.save()
    services.transfer_ticket(ticket=phone_ticket, operator=alice, queue=phone_ticket.queue, team=its)
    ingest_email(mail("its_servicenow_autoreply.eml", phone_ticket))
    phone_ticket.refresh_from_db()
    assert phone_ticket.incident_number == ""


# --- Bounces, loops, duplicates, junk ----------------------------------------------------------


def test_it_adds_a_bounce_to_its_ticket_without_reopening(phone_ticket, alice, mail):
    our_id = replied(phone_ticket, alice)
    result = ingest_email(mail("bounce_mailer_daemon.eml", phone_ticket, our_id))
    assert (result.outcome, result.ticket) == ("bounce", phone_ticket)
    entry = TicketMessage.objects.get(ticket=phone_ticket, kind="bounce")
    assert "Host or domain name not found" in entry.body and entry.automatic
    phone_ticket.refresh_from_db()
    assert phone_ticket.status == "pending"
    assert OutgoingEmail.objects.count() == 1


def test_it_drops_a_bounce_for_no_ticket(queues, mail):
    raw = mail("bounce_mailer_daemon.eml").replace(b"{{TOKEN}}", b"ffffffffffffffffffff").replace(b"{{NUMBER}}", b"1")
    assert ingest_email(raw).outcome == "bounce"
    assert not Ticket.objects.exists()


def test_it_files_the_same_message_once(queues, mail):
    raw = mail("gmail_new_question_qp.eml")
    assert ingest_email(raw).outcome == "created"
    assert ingest_email(raw).outcome == "duplicate"
    assert Ticket.objects.count() == 1 and OutgoingEmail.objects.count() == 1


def test_it_ignores_mail_from_the_desk_itself(queues):
    raw = b"From: desk+tabcdef0123456789abcd@library.example.edu\r\nTo: desk@library.example.edu\r\nSubject: x\r\n\r\nx"
    assert ingest_email(raw).outcome == "loop"
    assert not Ticket.objects.exists()


def test_it_rejects_empty_headerless_huge_and_senderless_mail(queues, settings):
    assert ingest_email(b"").outcome == "rejected"
    assert ingest_email(b"\xff\xfe garbage without any header\x00").outcome == "rejected"
    settings.DESK_INBOUND_EMAIL_MAX_BYTES = 10_000
    huge = b"From: pat@example.org\r\nSubject: big\r\n\r\n" + b"A" * 20_000
    result = ingest_email(huge)
    assert result.outcome == "rejected" and "larger than 10,000 bytes" in result.detail
    assert ingest_email(b"To: desk@library.example.edu\r\nSubject: who?\r\n\r\nHello").outcome == "rejected"
    assert not Ticket.objects.exists()
    assert InboundEmail.objects.filter(outcome="rejected").count() == 4


def test_it_rejects_mime_nested_too_deeply(queues):
    depth = 40
    parts = "".join(f'--b{i}\r\nContent-Type: multipart/mixed; boundary="b{i + 1}"\r\n\r\n' for i in range(depth))
    raw = (
        "From: pat@example.org\r\nTo: desk@library.example.edu\r\nSubject: nest\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n' + parts + f"--b{depth}--\r\n"
    )
    result = ingest_email(raw.encode())
    assert result.outcome == "rejected" and "nested too deeply" in result.detail


def test_it_survives_malformed_headers_and_base64(queues):
    raw = (
        b"From: =?utf-8?q?Pat=0D=0ABcc:_all@example.org?= <pat@example.org>\r\n"
        b"To: desk@library.example.edu\r\n"
        b"Subject: =?utf-8?b?!!!broken?= \xe9t\xe9 =?unknown-8bit?q?=E9?=\r\n"
        b"Message-ID: not an id\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gd29ybGQ@@@not base64 at all\r\n"
    )
    result = ingest_email(raw)
    assert result.outcome == "created"
    ticket = result.ticket
    assert "\r" not in ticket.patron_name and "\n" not in ticket.patron_name
    assert "\n" not in ticket.subject and "été" in ticket.subject
    ack = OutgoingEmail.objects.get(ticket=ticket)
    assert ack.to_email == "pat@example.org"
