// The right-hand pane: one open chat with its header actions, transcript, composer, canned
// messages and, once it ended, the Reference Analytics form that must be saved before Close Chat.
// In a chat I stayed in after transferring it (a three-way chat) I write and Leave chat; ending,
// transferring and closing it are its owner's.

import { AnalyticsPanel } from "./analytics-panel.js";
import { CannedMenu } from "./canned-menu.js";
import { attachmentCard, buildExtras } from "./chat-extras.js";
import { FaqLookup } from "./faq-lookup.js";
import { timeOfDay } from "./clock.js";
import { chatEndpoints, getJson, postJson } from "./desk-api.js";
import { gettext, interpolate } from "./i18n.js";
import { appendLinkedText } from "./message-text.js";
import { wireBanForm } from "./ban-form.js";
import { wirePatronInfo } from "./patron-info.js";

const TYPING_SEND_INTERVAL_MS = 3000;
const TYPING_SHOW_MS = 6000;
const statusLabels = () => ({ waiting: gettext("Waiting"), active: gettext("Active"), ended: gettext("Ended") });

export class ChatPane {
  /**
   * @param {HTMLElement} root  the pane
   * @param {object} options  chatApi, interactionUrl, sendFrame(frame) -> bool, onClosed(chatId), onChanged(chatId, changes),
   *   onTransfer(chat, button), owns(chat) -> bool, onLeft(chatId)
   */
  constructor(root, options) {
    this.root = root;
    this.options = options;
    this.template = document.getElementById("chat-template");
    this.emptyState = root.querySelector("[data-pane-empty]");
    this.drafts = new Map();
    this.view = null;
    this.chat = null;
  }

  get chatId() {
    return this.chat ? this.chat.id : null;
  }

  open(chat, messages) {
    if (this.chatId === chat.id) {
      this.update(chat);
      return;
    }
    this.saveDraft();
    this.chat = chat;
    this.view = this.build(chat);
    this.emptyState.hidden = true;
    this.root.querySelector("[data-chat]")?.remove();
    this.root.append(this.view.article);
    messages.forEach((message) => this.addMessage(message));
    this.update(chat);
    this.scrollToEnd();
    this.refreshTicket();
  }

  clear(text) {
    this.saveDraft();
    // Removing the chat that holds the focus would drop a keyboard user on <body>; the note that
    // replaces it takes the focus and says what happened. Close Chat disables itself while it
    // waits, which has already sent the focus to <body>.
    const active = document.activeElement;
    const hadFocus = Boolean(this.view && (!active || active === document.body || this.view.article.contains(active)));
    this.root.querySelector("[data-chat]")?.remove();
    this.chat = null;
    this.view = null;
    this.emptyState.hidden = false;
    this.emptyState.querySelector("[data-pane-empty-text]").textContent =
      text || gettext("Claim a waiting chat, or choose one of your chats, to start.");
    if (hadFocus) {
      this.emptyState.tabIndex = -1;
      this.emptyState.focus();
    }
  }

  focusComposer() {
    if (this.view && !this.view.input.disabled) this.view.input.focus();
  }

  build(chat) {
    const article = this.template.content.firstElementChild.cloneNode(true);
    const $ = (selector) => article.querySelector(selector);
    const suffix = chat.id.slice(0, 8);
    const view = {
      article,
      title: $("[data-chat-title]"),
      department: $("[data-chat-department]"),
      status: $("[data-chat-status]"),
      email: $("[data-chat-email]"),
      question: $("[data-chat-question]"),
      transferButton: $('[data-action="transfer"]'),
      transcriptButton: $('[data-action="transcript"]'),
      ticketLink: $('[data-action="ticket"]'),
      viewTicketLink: $('[data-action="view-ticket"]'),
      endButton: $('[data-action="end"]'),
      closeButton: $('[data-action="close"]'),
      leaveButton: $('[data-action="leave"]'),
      banButton: $('[data-action="ban"]'),
      screenshareButton: $('[data-action="screenshare"]'),
      participants: $("[data-chat-participants]"),
      transcriptForm: $("[data-transcript-form]"),
      transcriptEmail: $("[data-transcript-email]"),
      notice: $("[data-chat-notice]"),
      error: $("[data-chat-error]"),
      messages: $("[data-messages]"),
      list: $("[data-message-list]"),
      typing: $("[data-typing]"),
      endedNote: $("[data-ended-note]"),
      composer: $("[data-composer]"),
      input: $("[data-composer-input]"),
      send: $("[data-send]"),
      cannedButton: $("[data-canned-button]"),
      analytics: $("[data-analytics]"),
      lastTypingSent: 0,
      typingTimer: null,
    };
    view.title.id = `chat-title-${suffix}`;
    article.setAttribute("aria-labelledby", view.title.id);
    view.transcriptForm.id = `transcript-form-${suffix}`;
    view.transcriptButton.setAttribute("aria-controls", view.transcriptForm.id);
    view.transcriptEmail.id = `transcript-email-${suffix}`;
    $("[data-transcript-label]").htmlFor = view.transcriptEmail.id;
    view.input.id = `composer-${suffix}`;
    $("[data-composer-label]").htmlFor = view.input.id;
    view.input.value = this.drafts.get(chat.id) || "";

    const urls = chatEndpoints(this.options.chatApi, chat.id);
    view.urls = urls;
    view.transferButton.addEventListener("click", () => this.options.onTransfer(this.chat, view.transferButton));
    view.transcriptButton.addEventListener("click", () => this.toggleTranscriptForm());
    $("[data-transcript-cancel]").addEventListener("click", () => this.toggleTranscriptForm(false));
    view.transcriptForm.addEventListener("submit", (event) => this.sendTranscript(event));
    view.transcriptForm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggleTranscriptForm(false);
    });
    wireBanForm(article, { url: urls.ban, suffix, onError: (text) => this.showError(text) });
    wirePatronInfo(article, { url: urls.patron, suffix, onError: (text) => this.showError(text) });
    view.endButton.addEventListener("click", () => this.endChat());
    view.closeButton.addEventListener("click", () => this.closeChat());
    view.leaveButton.addEventListener("click", () => this.leaveChat());
    view.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendMessage();
    });
    view.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendMessage();
      }
    });
    view.input.addEventListener("input", () => this.typed());
    view.canned = new CannedMenu(view.cannedButton, $("[data-canned-menu]"), {
      load: async () => {
        const answer = await getJson(urls.canned);
        if (!answer.ok) return { error: answer.error };
        // The department's own messages (its welcome above all) first: every chat starts with one.
        const items = answer.data.canned;
        return { items: [...items.filter((c) => c.department), ...items.filter((c) => !c.department)] };
      },
      choose: async (item) => {
        view.input.focus();
        const answer = await postJson(urls.canned, { canned: item.id });
        if (!answer.ok) this.showError(answer.error);
      },
    });
    view.extras = buildExtras(view, chat, { showError: (text) => this.showError(text), showNotice: (text) => this.showNotice(text) });
    view.faq = new FaqLookup($("[data-faq-lookup]"), view.input, "/desk/api/faq");
    view.analyticsPanel = new AnalyticsPanel(
      view.analytics,
      this.options.interactionUrl.replace("{id}", encodeURIComponent(chat.id)),
      (justSaved) => this.recorded(chat.id, justSaved),
    );
    return view;
  }

  /** Shows the chat's current state; called on open and whenever its summary or status changes. */
  update(chat) {
    if (!this.view || chat.id !== this.chatId) return;
    this.chat = chat;
    const view = this.view;
    const ended = chat.status === "ended";
    view.title.textContent = chat.patron_name || gettext("Patron");
    view.department.textContent = chat.department.name;
    view.status.textContent = statusLabels()[chat.status] || chat.status;
    view.status.dataset.status = chat.status;
    view.email.textContent = chat.patron_email || "";
    view.email.hidden = !chat.patron_email;
    view.question.textContent = chat.question;
    // Create Ticket opens the ticket form for this chat in its own window, during or after it.
    view.ticketLink.href = `/tickets/new/?chat=${encodeURIComponent(chat.id)}`;
    // Once it became a ticket, View Ticket opens it (the manuals' eye icon); Create Ticket would be refused.
    view.ticketLink.hidden = Boolean(chat.ticket);
    view.viewTicketLink.hidden = !chat.ticket;
    if (chat.ticket) view.viewTicketLink.href = chat.ticket.url;
    if (!view.transcriptForm.hidden && !view.transcriptEmail.value) view.transcriptEmail.value = chat.patron_email || "";

    view.input.disabled = ended;
    view.send.disabled = ended;
    view.cannedButton.disabled = ended;
    if (ended) view.canned.close(false);
    view.endedNote.hidden = !ended;
    // "Transcript queued for …" was about the live chat; the ended chat has the analytics to do.
    if (ended && view.wasEnded === false) view.notice.textContent = "";
    view.wasEnded = ended;
    const mine = this.options.owns(chat);
    view.endButton.hidden = ended || !mine;
    view.transferButton.hidden = ended || !mine;
    view.closeButton.hidden = !ended || !mine;
    view.closeButton.disabled = !chat.has_interaction;
    view.closeButton.title = chat.has_interaction ? "" : gettext("Save the Reference Analytics first");
    view.transcriptButton.hidden = !mine;
    view.banButton.hidden = !mine;
    view.leaveButton.hidden = mine;
    this.showParticipants(chat, mine);
    view.article.classList.toggle("is-ended", ended);
    view.article.classList.toggle("is-participant", !mine);
    view.extras.update(chat);
    if (!mine) view.screenshareButton.hidden = true;
    if (ended) this.hideTyping();
    // The owner records the Reference Analytics; someone who only stayed in the chat does not.
    if (ended && mine) view.analyticsPanel.load();
  }

  /** Who else is in a three-way chat, or, in one I stayed in, whose it is now. */
  showParticipants(chat, mine) {
    const others = (chat.participants || []).map((participant) => participant.name);
    const line = this.view.participants;
    if (mine) {
      line.textContent = others.length
        ? interpolate(gettext("Also in this chat: %(names)s."), { names: others.join(", ") })
        : "";
    } else {
      const owner = chat.operator || gettext("another operator");
      line.textContent = interpolate(
        gettext("This chat is %(operator)s's now. You stay in it, and can write to the patron, until you choose Leave chat."),
        { operator: owner },
      );
    }
    line.hidden = !line.textContent;
  }

  addMessage(message) {
    if (!this.view || message.chat !== this.chatId) return;
    const stick = this.nearBottom();
    const item = renderMessage(message);
    const later = [...this.view.list.children].find((row) => Number(row.dataset.id) > message.id);
    this.view.list.insertBefore(item, later || null);
    if (message.sender === "patron") this.hideTyping();
    if (stick) this.scrollToEnd();
    // Creating a ticket tells the patron so in the chat: the moment to look for the ticket.
    if (message.sender === "system") this.refreshTicket();
  }

  /** Asks whether the open chat became a ticket: Create Ticket makes it in another tab. One
   * question at a time; a reason to ask again meanwhile asks once more after it. */
  async refreshTicket() {
    const view = this.view;
    if (!view || this.chat.ticket) return;
    if (view.askingTicket) {
      view.askTicketAgain = true;
      return;
    }
    view.askingTicket = true;
    const answer = await getJson(view.urls.ticket);
    view.askingTicket = false;
    if (view !== this.view) return;
    if (answer.ok && answer.data.ticket) {
      this.options.onChanged(this.chatId, { ticket: answer.data.ticket });
    } else if (view.askTicketAgain) {
      view.askTicketAgain = false;
      this.refreshTicket();
    }
  }

  showTyping(chatId, name) {
    if (!this.view || chatId !== this.chatId || this.chat.status === "ended") return;
    this.view.typing.textContent = name
      ? interpolate(gettext("%(name)s is typing…"), { name })
      : gettext("The patron is typing…");
    clearTimeout(this.view.typingTimer);
    this.view.typingTimer = setTimeout(() => this.hideTyping(), TYPING_SHOW_MS);
  }

  hideTyping() {
    if (!this.view) return;
    clearTimeout(this.view.typingTimer);
    this.view.typing.textContent = "";
  }

  showError(text, chatId = this.chatId) {
    if (!this.view || chatId !== this.chatId) return;
    this.view.error.textContent = text;
  }

  showNotice(text) {
    if (this.view) this.view.notice.textContent = text;
  }

  // --- Actions -------------------------------------------------------------------------------

  sendMessage() {
    const view = this.view;
    const body = view.input.value.trim();
    if (!body || view.input.disabled) return;
    const sent = this.options.sendFrame({ type: "message", chat: this.chatId, body });
    if (!sent) {
      this.showError(
        gettext("Not connected, so the message was not sent. It is still in the box; send it again once reconnected."),
      );
      return;
    }
    view.error.textContent = "";
    view.input.value = "";
    view.lastTypingSent = 0;
    this.drafts.delete(this.chatId);
  }

  typed() {
    const view = this.view;
    const now = Date.now();
    if (!view.input.value.trim() || now - view.lastTypingSent < TYPING_SEND_INTERVAL_MS) return;
    view.lastTypingSent = now;
    this.options.sendFrame({ type: "typing", chat: this.chatId });
  }

  toggleTranscriptForm(show) {
    const view = this.view;
    const visible = show ?? view.transcriptForm.hidden;
    view.transcriptForm.hidden = !visible;
    view.transcriptButton.setAttribute("aria-expanded", String(visible));
    if (visible) {
      view.transcriptEmail.value = view.transcriptEmail.value || this.chat.patron_email || "";
      view.transcriptEmail.focus();
    } else {
      view.transcriptButton.focus();
    }
  }

  async sendTranscript(event) {
    event.preventDefault();
    const view = this.view;
    const email = view.transcriptEmail.value.trim();
    const submit = view.transcriptForm.querySelector('[type="submit"]');
    submit.disabled = true;
    const answer = await postJson(view.urls.transcript, email ? { email } : {});
    submit.disabled = false;
    if (view !== this.view) return;
    if (!answer.ok) {
      this.showError(answer.error);
      view.transcriptEmail.focus();
      return;
    }
    view.error.textContent = "";
    this.toggleTranscriptForm(false);
    this.showNotice(interpolate(gettext("Transcript queued for %(email)s."), { email: answer.data.email }));
  }

  async endChat() {
    const view = this.view;
    const chatId = this.chatId;
    view.endButton.disabled = true;
    const answer = await postJson(view.urls.end, undefined);
    view.endButton.disabled = false;
    if (!answer.ok) {
      this.showError(answer.error, chatId);
      return;
    }
    this.options.onChanged(chatId, { status: "ended", ended_by: "operator" });
    if (view === this.view) this.focusAnalytics();
  }

  focusAnalytics() {
    const view = this.view;
    // The fragment arrives a moment later; wait for its first field rather than guessing.
    const observer = new MutationObserver(() => {
      const field = view.analytics.querySelector("select, input:not([type=hidden]), textarea");
      if (field) {
        observer.disconnect();
        if (view === this.view) field.focus();
      }
    });
    observer.observe(view.analytics, { childList: true, subtree: true });
    setTimeout(() => observer.disconnect(), 10000);
  }

  recorded(chatId, justSaved) {
    this.options.onChanged(chatId, { has_interaction: true });
    if (!justSaved || !this.view || chatId !== this.chatId) return;
    // An earlier "save the analytics first" sentence is no longer true.
    this.view.error.textContent = "";
    this.showNotice(gettext("Reference Analytics saved. Close Chat when you are done."));
    this.view.closeButton.focus();
  }

  async leaveChat() {
    const view = this.view;
    const chatId = this.chatId;
    view.leaveButton.disabled = true;
    const answer = await postJson(view.urls.leave, undefined);
    view.leaveButton.disabled = false;
    if (!answer.ok) {
      this.showError(answer.error, chatId);
      return;
    }
    this.drafts.delete(chatId);
    this.options.onLeft(chatId);
  }

  async closeChat() {
    const view = this.view;
    const chatId = this.chatId;
    view.closeButton.disabled = true;
    const answer = await postJson(view.urls.close, undefined);
    if (!answer.ok) {
      view.closeButton.disabled = !this.chat.has_interaction;
      this.showError(answer.error, chatId);
      return;
    }
    this.drafts.delete(chatId);
    this.options.onClosed(chatId);
  }

  // --- Helpers -------------------------------------------------------------------------------

  saveDraft() {
    if (!this.view) return;
    const text = this.view.input.value;
    if (text) this.drafts.set(this.chatId, text);
    else this.drafts.delete(this.chatId);
  }

  nearBottom() {
    const box = this.view.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  scrollToEnd() {
    const box = this.view.messages;
    box.scrollTop = box.scrollHeight;
  }
}

function renderMessage(message) {
  const item = document.createElement("li");
  item.dataset.id = String(message.id);
  item.className = `message from-${message.sender}`;
  const time = document.createElement("time");
  time.dateTime = message.created_at;
  time.textContent = timeOfDay(message.created_at);
  const body = document.createElement("p");
  body.className = "message-body";
  appendLinkedText(body, message.body || "");
  if (message.sender === "system") {
    item.classList.add("note");
    item.append(body, time);
    return item;
  }
  const head = document.createElement("div");
  head.className = "message-head";
  const sender = document.createElement("span");
  sender.className = "sender";
  sender.textContent = message.name || (message.sender === "patron" ? gettext("Patron") : gettext("Operator"));
  head.append(sender, time);
  if (message.sender === "operator") head.append(makeFaqLink(message));
  item.append(head, body);
  if (message.attachment) item.append(attachmentCard(message.attachment));
  return item;
}

/** Make FAQ on a staff answer: a form pre-filled with the question and this answer, then Save. */
function makeFaqLink(message) {
  const link = document.createElement("a");
  link.className = "make-faq";
  link.href = `/faq/new/?chat=${encodeURIComponent(message.chat)}&message=${encodeURIComponent(message.id)}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = gettext("Make FAQ");
  return link;
}
