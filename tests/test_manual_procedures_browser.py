"""The manuals' ticket procedures, clicked through in a real browser as the staff would.

- Cal State LA, "Creating a ticket from a chat": Create Ticket (a new window), a queue and
  optionally a person, notes, Create Ticket; the chat then shows its ticket (View Ticket).
- IDEAS, SMS: a question too long for a text becomes a full ticket by hand (name and email, the
  texts as the question), View Ticket opens it, and the SMS chat is ended and closed with its
  Reference Analytics (mode SMS). The text arrives through the signed Twilio webhook.
- IDEAS, "Answers > Create" for a phone question, then Assign/Transfer to a person.
- A good answer in a chat becomes an FAQ with Make FAQ and Save.
"""

import re
import urllib.parse
import urllib.request

import pytest
from django.conf import global_settings
from playwright.sync_api import expect

from analytics.models import Interaction
from chat.models import Chat, Message
from chat.sms.twilio import compute_signature
from faq.models import FaqEntry
from tests.desk_steps import shot, sign_in, start_chat, waiting_list
from tests.live import Server, Worker, child_environment
from tests.test_sms_integration import DESK_NUMBER, SID, TOKEN, FakeTwilio
from tickets.models import Queue, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ANSWER = "The 1990 census tables are in Social Explorer: https://library.example.edu/social-explorer"


@pytest.fixture
def queues(departments):
    return {
        "access": Queue.objects.create(
            name="Access Services", slug="access-services", department=departments["access"], is_default=True
        ),
        "research": Queue.objects.create(
            name="Research & Instruction", slug="research", department=departments["research"]
        ),
    }


def chat_pane(page):
    return page.locator("[data-chat]")


def test_create_ticket_after_end_chat_then_view_ticket_and_make_faq(
    live_stack, browser, departments, queues, alice, bob, location
):
    url = live_stack["url"]
    page = sign_in(browser, url, "alice")
    start_chat(departments["research"], "Where can I find the 1990 census?", name="Pat", email="pat@example.org")
    waiting_list(page).get_by_role("button", name="Claim Chat").click()
    page.get_by_label("Type your message").fill(ANSWER)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(chat_pane(page).get_by_text(ANSWER)).to_be_visible()
    page.get_by_role("button", name="End Chat").click()
    expect(page.get_by_role("heading", name="Reference Analytics")).to_be_visible()

    # Create Ticket, after End Chat: it opens in a new window.
    with page.context.expect_page() as opened:
        chat_pane(page).get_by_role("link", name="Create Ticket").click()
    form_page = opened.value
    expect(form_page.get_by_role("heading", name="Create a ticket from this chat")).to_be_visible()
    expect(form_page.get_by_label("Email")).to_have_value("pat@example.org")
    form_page.get_by_label("Queue").select_option(label="Research & Instruction")
    form_page.get_by_label("Assign to").select_option(label="Bob (bob)")
    form_page.get_by_label("Internal note").fill("Bob: Pat wants the county tables too.")
    form_page.get_by_role("button", name="Create Ticket").click()
    expect(form_page.get_by_role("status")).to_contain_text("created.")
    ticket = Ticket.objects.get()
    assert (ticket.queue, ticket.assignee, ticket.chat_id) == (queues["research"], bob, Chat.objects.get().pk)
    expect(form_page.get_by_role("heading", level=1)).to_contain_text(f"#{ticket.number}")
    shot(form_page, "manual-01-ticket-from-chat")

    # Back in the dashboard, without a reload: the chat says so and shows View Ticket.
    pane = chat_pane(page)
    expect(pane.get_by_text(f"We created ticket #{ticket.number} for your question.")).to_be_visible()
    view_ticket = pane.get_by_role("link", name="View Ticket")
    expect(view_ticket).to_be_visible()
    expect(pane.get_by_role("link", name="Create Ticket")).to_be_hidden()
    shot(page, "manual-02-view-ticket")
    with page.context.expect_page() as opened:
        view_ticket.click()
    expect(opened.value.get_by_role("heading", level=1)).to_contain_text(f"#{ticket.number}")
    opened.value.close()

    # Make FAQ on the answer: a form already holding the question and the answer; Save.
    with page.context.expect_page() as opened:
        pane.get_by_role("listitem").filter(has_text=ANSWER).get_by_role("link", name="Make FAQ").click()
    faq_page = opened.value
    expect(faq_page.get_by_label("Answer")).to_have_value(ANSWER)
    expect(faq_page.get_by_label("Question")).to_have_value("Where can I find the 1990 census?")
    faq_page.get_by_role("button", name="Save").click()
    expect(faq_page.get_by_role("status")).to_contain_text("Saved")
    entry = FaqEntry.objects.get()
    assert (entry.answer, entry.source_chat_id) == (ANSWER, Chat.objects.get().pk)
    faq_page.close()

    # The ticket survives a reload of the dashboard too (the snapshot names it).
    page.reload()
    expect(chat_pane(page).get_by_role("link", name="View Ticket")).to_have_attribute(
        "href", f"/tickets/{ticket.number}/"
    )
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Close Chat").click()
    expect(page.get_by_text("Chat closed.")).to_be_visible()


@pytest.fixture
def sms_stack(transactional_db, settings, mailbox):
    """A real server, worker and a stand-in for Twilio's API, with the SMS number set up."""
    # The server checks passwords with the real hashers: personas made after this use them too
    # (the root conftest gives only tests with live_stack the real ones).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    twilio = FakeTwilio()
    sms_settings = dict(
        DESK_SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_API_BASE_URL=f"http://127.0.0.1:{twilio.port}",
        DESK_SMS_FROM_NUMBER=DESK_NUMBER,
        DESK_SMS_DEPARTMENT="research",
    )
    for name, value in sms_settings.items():
        setattr(settings, name, value)
    env = child_environment(
        CELERY_TASK_ALWAYS_EAGER="false", EMAIL_HOST="127.0.0.1", EMAIL_PORT=mailbox.port, **sms_settings
    )
    worker = Worker(env, name="worker-manual-sms")
    try:
        server = Server(env, name="server-manual-sms")
    except Exception:
        worker.stop()
        twilio.stop()
        raise
    yield {"url": server.url, "twilio": twilio}
    server.stop()
    worker.stop()
    twilio.stop()


def text_the_desk(url, sid, body):
    """Twilio delivers a text from the patron's phone: a form POST signed with the account's token."""
    hook = f"{url}/sms/twilio/inbound"
    form = {"MessageSid": sid, "From": "+16175550100", "To": DESK_NUMBER, "Body": body}
    request = urllib.request.Request(
        hook,
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
        headers={"X-Twilio-Signature": compute_signature(TOKEN, hook, {k: [v] for k, v in form.items()})},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.status == 200


def test_an_sms_question_becomes_a_full_ticket_and_the_sms_chat_is_closed(
    sms_stack, browser, departments, queues, alice, location
):
    url = sms_stack["url"]
    page = sign_in(browser, url, "alice")
    text_the_desk(url, "SM" + "1" * 32, "Hi, my thesis is due Friday and the grad school rejected my margins")
    row = waiting_list(page).get_by_role("listitem").filter(has_text="my thesis is due Friday")
    expect(row.get_by_text("Source SMS")).to_be_visible()
    row.get_by_role("button", name="Claim Chat").click()
    text_the_desk(url, "SM" + "2" * 32, "also the table of contents page numbers are wrong")
    pane = chat_pane(page)
    expect(pane.get_by_text("also the table of contents page numbers are wrong")).to_be_visible()

    # Going over one text is said in words and in colour, and the colour is readable (AA).
    box = page.get_by_label("Type your message")
    box.fill("x" * 161)
    expect(box).to_have_accessible_description("161 / 160 · 2 SMS segments · Over 160: the patron gets 2 texts")
    counter = pane.locator("[data-sms-count]")
    expect(counter).to_have_css("color", "rgb(153, 27, 27)")
    shot(page, "manual-03-sms-over-160")
    box.fill("This needs a librarian. What is your name and email, so they can write to you?")
    expect(counter).not_to_have_css("color", "rgb(153, 27, 27)")
    expect(box).to_have_accessible_description(re.compile(r"^\d+ / 160 · 1 SMS segment$"))
    page.get_by_role("button", name="Send", exact=True).click()
    text_the_desk(url, "SM" + "3" * 32, "Sam Rivera, sam.rivera@students.example.edu")

    # Create Ticket, by hand: name and email required, the texts already there as the question.
    with page.context.expect_page() as opened:
        pane.get_by_role("link", name="Create Ticket").click()
    form_page = opened.value
    question = form_page.get_by_label("Question")
    expect(question).to_have_value(re.compile("margins\nalso the table of contents"))
    expect(form_page.get_by_label("Phone")).to_have_value("+16175550100")
    form_page.get_by_role("button", name="Create Ticket").click()
    expect(form_page.get_by_role("alert").first).to_be_visible()
    assert not Ticket.objects.exists()
    form_page.get_by_label("Patron name").fill("Sam Rivera")
    form_page.get_by_label("Email").fill("sam.rivera@students.example.edu")
    form_page.get_by_role("button", name="Create Ticket").click()
    expect(form_page.get_by_role("status")).to_contain_text("created.")
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.patron_name, ticket.queue) == ("sms", "Sam Rivera", queues["access"])
    form_page.close()

    # View Ticket (the eye) opens it from the SMS chat.
    view_ticket = pane.get_by_role("link", name="View Ticket")
    expect(view_ticket).to_be_visible()
    with page.context.expect_page() as opened:
        view_ticket.click()
    expect(opened.value.get_by_role("heading", level=1)).to_contain_text(f"#{ticket.number}")
    shot(opened.value, "manual-04-sms-ticket")
    opened.value.close()

    # Then close the SMS chat: End Chat, its analytics as an SMS question, Save, Close Chat.
    page.get_by_role("button", name="End Chat").click()
    analytics = page.get_by_role("form", name="Reference Analytics")
    expect(analytics.get_by_label("Mode")).to_have_value("sms")
    analytics.get_by_role("button", name="Save").click()
    expect(analytics.get_by_role("status")).to_have_text("Saved. You can now close the chat.")
    shot(page, "manual-05-sms-saved")
    page.get_by_role("button", name="Close Chat").click()
    expect(page.get_by_text("Chat closed.")).to_be_visible()
    chat = Chat.objects.get()
    assert chat.closed_at is not None and Interaction.objects.get(chat=chat).mode == "sms"
    assert Message.objects.filter(chat=chat, sender="system", body__contains=f"#{ticket.number}").exists()


def test_answers_create_for_a_phone_question_then_assign_transfer_to_a_person(
    live_stack, browser, departments, queues, alice, bob
):
    url = live_stack["url"]
    page = sign_in(browser, url, "alice")

    # Answers > Create, from the top bar, with the keyboard.
    answers = page.get_by_role("navigation", name="Main").get_by_role("button", name="Answers")
    expect(answers).to_have_attribute("aria-expanded", "false")
    answers.click()
    create = page.get_by_role("navigation", name="Main").get_by_role("link", name="Create")
    expect(create).to_be_visible()
    page.keyboard.press("Escape")
    expect(create).to_be_hidden()
    expect(answers).to_be_focused()
    page.keyboard.press("Enter")
    expect(answers).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(create).to_be_focused()
    shot(page, "manual-06-answers-menu")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/tickets/new/")

    page.get_by_label("Patron name").fill("Jordan Lee")
    page.get_by_label("Email").fill("jordan.lee@students.example.edu")
    page.get_by_label("Asked by").select_option(label="Phone")
    page.get_by_label("Question").fill("Can the library hold a laptop for me until Monday?")
    page.get_by_role("button", name="Create Ticket").click()
    expect(page.get_by_role("status")).to_contain_text("created.")
    ticket = Ticket.objects.get()
    assert ticket.assignee is None

    # Assign/Transfer to a person, on the existing ticket.
    page.get_by_role("tab", name="Assign/Transfer").click()
    panel = page.get_by_role("tabpanel", name="Assign/Transfer")
    panel.get_by_label("Assign to").select_option(label="Bob (bob)")
    panel.get_by_role("button", name="Assign/Transfer").click()
    expect(page.get_by_role("status")).to_contain_text("Assigned to Bob in Access Services")
    expect(page.get_by_role("complementary", name="Ticket details")).to_contain_text("Bob")
    shot(page, "manual-07-assigned")
    ticket.refresh_from_db()
    assert ticket.assignee == bob
