"""A chat becomes a ticket, is answered, the patron replies by email, and it is Submitted as Closed
(DESIGN.md workflows 9, 11, 12), in Debian's chromium against a real server, Celery worker and SMTP server."""

import re
import subprocess
import sys
from email.message import EmailMessage
from urllib.parse import quote

import pytest
from django.db import connections
from playwright.sync_api import expect

from chat import services as chat_services
from chat.models import Message
from conftest import bring_online
from tests.desk_steps import off_the_loop
from tests.live import ARTIFACTS, ROOT, child_environment
from tickets.models import OutgoingEmail, Queue, Ticket, TicketMessage

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(autouse=True)
def _close_connections_after(browser):
    yield
    # The ORM calls of these tests run beside Playwright's event loop, on a connection of their
    # own: close it, or the test database cannot be dropped at the end of the run.
    connections.close_all()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(browser, url, username, next_path):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/accounts/login/?next={quote(next_path)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}{next_path}")
    return page


def ended_chat(departments, alice):
    """A chat Alice answered and ended: the energy librarian was offline."""
    bring_online(alice)
    chat, _ = chat_services.start_chat(
        department=departments["research"],
        question="I need sources on tidal energy policy in the UK for my dissertation.",
        name="Pat Patron",
        email="pat@example.org",
    )
    chat = chat_services.claim_chat(chat_id=chat.pk, operator=alice)
    chat_services.send_message(chat=chat, body="It's due in three weeks, chapter 2.", sender="patron")
    chat_services.send_message(
        chat=chat,
        body="Our energy librarian is out today; I'll create a ticket so she can follow up by email.",
        sender="operator",
        operator=alice,
    )
    return chat_services.end_chat(chat=chat, ended_by="operator", operator=alice)


def patron_replies(mail, body: str) -> str:
    """The patron presses Reply in their mail program; the MTA pipes the message to the desk."""
    reply = EmailMessage()
    reply["From"] = "Pat Patron <pat@example.org>"
    reply["To"] = mail["Reply-To"]
    reply["Subject"] = "Re: " + mail["Subject"]
    reply["Message-ID"] = "<CAPat.reply.1@mail.example.org>"
    reply["In-Reply-To"] = mail["Message-ID"].strip()
    reply.set_content(f"{body}\n\nOn Mon, Nov 3, 2026 at 10:00 AM Library Ask Desk wrote:\n> {mail['Subject']}\n")
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=reply.as_bytes(),
        cwd=ROOT,
        env=child_environment(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_it_turns_a_chat_into_a_ticket_answers_it_and_submits_it_as_closed(
    live_stack, browser, departments, alice, bob
):
    url, mailbox = live_stack["url"], live_stack["mailbox"]
    Queue.objects.create(
        name="Access Services", slug="access-services", department=departments["access"], is_default=True
    )
    Queue.objects.create(name="Research & Instruction", slug="research", department=departments["research"])
    chat = off_the_loop(ended_chat, departments, alice)

    # 1. "Create a ticket from this chat": the dashboard opens this page in a new window.
    page = sign_in(browser, url, "alice", f"/tickets/new/?chat={chat.pk}")
    expect(page.get_by_role("heading", name="Create a ticket from this chat")).to_be_visible()
    expect(page.get_by_text("It's due in three weeks, chapter 2.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("pat@example.org")
    expect(page.get_by_label("Queue")).to_have_value(str(Queue.objects.get(is_default=True).pk))
    page.get_by_label("Queue").select_option(label="Research & Instruction")
    page.get_by_label("Assign to").select_option(label="Bob (bob)")
    page.get_by_label("Internal note").fill("Bob, could you send Pat the energy policy LibGuide?")
    shot(page, "tickets-01-create-from-chat")
    page.get_by_role("button", name="Create Ticket").click()

    ticket = Ticket.objects.get()
    page.wait_for_url(f"{url}/tickets/{ticket.number}/")
    expect(page.get_by_role("status")).to_have_text(f"Ticket #{ticket.number} created.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{ticket.number}")
    expect(page.get_by_text("Internal note by Alice")).to_be_visible()
    page.get_by_text("Chat transcript").click()
    expect(page.get_by_text("It's due in three weeks, chapter 2.")).to_be_visible()
    assert (ticket.chat, ticket.assignee, ticket.patron_email) == (chat, bob, "pat@example.org")
    told = Message.objects.filter(chat=chat, sender="system").last()
    assert f"ticket #{ticket.number}" in told.body and "by email" in told.body

    # 2. Reply: an email to the patron, through the Celery worker; the ticket waits for them.
    page.get_by_label(re.compile("^Reply to Pat Patron")).fill(
        "Hi Pat, start with the UK Marine Energy Council reports: https://guides.library.example.edu/energy"
    )
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Reply sent")
    expect(page.locator(".tk-summary .tk-badge")).to_have_text("Pending")
    first = mailbox.wait_for(1)[0]
    assert first["To"] == "Pat Patron <pat@example.org>"
    assert first["Subject"] == f"Re: [#{ticket.number}] {ticket.subject}"
    assert "UK Marine Energy Council" in first.get_body(("plain",)).get_content()
    shot(page, "tickets-02-replied")

    # 3. The patron replies by email; it threads into the ticket and reopens it.
    assert patron_replies(first, "Thank you! Do you also have the 2019 Ofgem report?").startswith("threaded")
    page.reload()
    expect(page.get_by_text("Thank you! Do you also have the 2019 Ofgem report?")).to_be_visible()
    expect(page.get_by_text("Pat Patron <pat@example.org> wrote")).to_be_visible()
    expect(page.locator(".tk-summary .tk-badge")).to_have_text("Open")
    expect(page.get_by_text("Show quoted text")).to_be_visible()

    # 4. The Assign/Transfer tab is one click away (checked, not used here).
    page.get_by_role("tab", name="Assign/Transfer").click()
    expect(page.get_by_role("button", name="Assign/Transfer")).to_be_visible()
    expect(page.get_by_role("button", name="Submit as Closed")).to_be_hidden()
    page.get_by_role("tab", name="Reply").click()

    # 5. Submit as Closed: reply and close in one step.
    page.get_by_label(re.compile("^Reply to Pat Patron")).fill("Yes: https://www.ofgem.gov.uk/ (2019 annual report).")
    page.get_by_role("button", name="Submit as Closed").click()
    # Closing offers the Reference Analytics form, as End Chat does.
    expect(page.get_by_role("status")).to_have_text("Reply sent and ticket closed. Now record its Reference Analytics.")
    expect(page.get_by_role("heading", name=f"Reference Analytics for ticket #{ticket.number}")).to_be_visible()
    page.get_by_role("link", name=f"Back to ticket #{ticket.number}").click()
    expect(page.locator(".tk-summary .tk-badge")).to_have_text("Closed")
    second = mailbox.wait_for(2)[1]
    assert second["In-Reply-To"] == "<CAPat.reply.1@mail.example.org>"
    shot(page, "tickets-03-closed")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED and ticket.closed_at is not None
    assert list(TicketMessage.objects.filter(ticket=ticket).values_list("kind", flat=True)) == [
        "note",
        "reply",
        "patron",
        "reply",
    ]
    assert list(OutgoingEmail.objects.filter(ticket=ticket).values_list("status", flat=True)) == ["sent", "sent"]
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Pending → Open")
    expect(history).to_contain_text("Open → Closed")

    # The lists, and Answers > Create, for the record.
    page.goto(f"{url}/tickets/?view=all&status=all")
    expect(page.get_by_role("link", name=f"#{ticket.number}")).to_be_visible()
    shot(page, "tickets-04-list")
    page.goto(f"{url}/tickets/new/")
    expect(page.get_by_role("heading", name="Create a ticket")).to_be_visible()
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Create Ticket").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    shot(page, "tickets-05-answers-create-errors")


def test_it_creates_a_phone_ticket_and_refers_it_to_its(live_stack, browser, departments, alice):
    """Answers > Create for a phone call, then Assign/Transfer to ITS; their auto-reply brings the incident number."""
    from tickets.models import ExternalTeam
    from tickets.tests.conftest import load_mail

    url, mailbox = live_stack["url"], live_stack["mailbox"]
    Queue.objects.create(
        name="Access Services", slug="access-services", department=departments["access"], is_default=True
    )
    ExternalTeam.objects.create(name="ITS", email="itshelp@its.example.edu", incident_pattern=r"INC\d{7}")

    page = sign_in(browser, url, "alice", "/tickets/new/")
    page.get_by_label("Patron name").fill("Jordan Lee")
    page.get_by_label("Email").fill("jordan.lee@students.example.edu")
    page.get_by_label("Phone").fill("(617) 555-0142")
    page.get_by_label("Question").fill("The ITS loaner laptop I borrowed yesterday will not charge.")
    page.get_by_role("button", name="Create Ticket").click()
    ticket = Ticket.objects.get()
    page.wait_for_url(f"{url}/tickets/{ticket.number}/")
    assert (ticket.source, ticket.queue.name) == ("phone", "Access Services")

    page.get_by_role("tab", name="Assign/Transfer").click()
    page.get_by_label("External team").select_option(label="ITS")
    page.get_by_label("Note", exact=True).fill("Asset tag LIB-0042; patron can come in after 2pm.")
    page.get_by_label("Close the ticket on our side").check()
    shot(page, "tickets-06-assign-transfer")
    page.get_by_role("button", name="Assign/Transfer").click()
    expect(page.get_by_role("status")).to_have_text(
        "Referred to ITS; they have been emailed the ticket and closed. Now record its Reference Analytics."
    )
    page.get_by_role("link", name=f"Back to ticket #{ticket.number}").click()
    referral = mailbox.wait_for(1)[0]
    assert referral["To"] == "ITS <itshelp@its.example.edu>"
    text = referral.get_body(("plain",)).get_content()
    assert "Asset tag LIB-0042" in text and "(617) 555-0142" in text

    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=load_mail("its_servicenow_autoreply.eml", ticket),
        cwd=ROOT,
        env=child_environment(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.decode().startswith("threaded"), done.stderr.decode()
    page.reload()
    expect(page.locator(".tk-summary")).to_contain_text("incident INC0012345")
    expect(page.get_by_text("Automatic reply")).to_be_visible()
    expect(page.locator(".tk-summary .tk-badge")).to_have_text("Closed")
    shot(page, "tickets-07-its-incident")
    ticket.refresh_from_db()
    assert ticket.incident_number == "INC0012345" and ticket.status == "closed"
