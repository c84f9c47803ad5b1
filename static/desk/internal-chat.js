// Internal Chat: staff-only conversations (one-to-one, and a room per department) with unread
// counts, shown in their own panel so they never mix with a patron chat.

import { timeOfDay } from "./clock.js";
import { getJson, postJson } from "./desk-api.js";
import { gettext, interpolate, ngettext } from "./i18n.js";
import { syncList } from "./keyed-list.js";
import { appendLinkedText } from "./message-text.js";

const kindLabels = () => ({
  direct: gettext("Internal chat"),
  department: gettext("Department room"),
  all: gettext("Everyone on the desk"),
});

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class InternalChat {
  /**
   * @param {HTMLElement} desk  the dashboard root, for its panel and Internal Chat section
   * @param {object} options  endpoints, directory (OperatorDirectory), me() -> {id, name},
   *   onIncoming(message) for the alert, onPanelToggled(open)
   */
  constructor(desk, options) {
    this.options = options;
    const $ = (selector) => desk.querySelector(selector);
    this.list = $("[data-internal-list]");
    this.panel = $("[data-internal-panel]");
    this.title = $("[data-internal-title]");
    this.kind = $("[data-internal-kind]");
    this.log = $("[data-internal-log]");
    this.messages = $("[data-internal-messages]");
    this.error = $("[data-internal-error]");
    this.composer = $("[data-internal-composer]");
    this.input = $("[data-internal-input]");
    this.newButton = $("[data-new-internal]");
    this.newForm = $("[data-new-internal-form]");
    this.newSelect = $("[data-new-internal-operator]");
    this.newError = $("[data-new-internal-error]");
    this.conversations = new Map();
    this.openId = null;
    this.seen = new Set();
    this.wire(desk);
  }

  wire(desk) {
    desk.querySelector("[data-internal-close]").addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    this.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      }
    });
    this.newButton.addEventListener("click", () => this.toggleNewForm());
    desk.querySelector("[data-new-internal-cancel]").addEventListener("click", () => this.toggleNewForm(false));
    this.newForm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggleNewForm(false);
    });
    this.newForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = Number(this.newSelect.value);
      if (!id) {
        this.newError.textContent = gettext("Choose an operator.");
        return;
      }
      this.openWith({ operator: id }).then((ok) => ok && this.toggleNewForm(false, false));
    });
  }

  // --- The list ------------------------------------------------------------------------------

  /** Fetches the conversations with their unread counts (on start and after every reconnect). */
  async refresh() {
    const answer = await getJson(this.options.endpoints.internal);
    if (!answer.ok) return;
    for (const conversation of answer.data.conversations) {
      const known = this.conversations.get(conversation.id);
      const unread = conversation.id === this.openId ? 0 : conversation.unread;
      this.conversations.set(conversation.id, { ...known, ...conversation, unread });
    }
    this.render();
    if (this.openId) this.load(this.openId, false);
  }

  render() {
    const items = [...this.conversations.values()].sort((a, b) => (b.last || 0) - (a.last || 0) || a.id - b.id);
    syncList(this.list, items, {
      key: (conversation) => String(conversation.id),
      create: (conversation) => {
        const row = element("li", "internal-item");
        const button = element("button", "my-entry internal-entry");
        button.type = "button";
        const top = element("span", "item-top");
        top.append(element("span", "item-name"), element("span", "unread-badge"));
        button.append(top, element("span", "item-dept"));
        button.addEventListener("click", () => this.open(conversation.id));
        row.append(button);
        return row;
      },
      update: (row, conversation) => {
        row.querySelector(".item-name").textContent = conversation.title;
        row.querySelector(".item-dept").textContent = kindLabels()[conversation.kind] || "";
        const badge = row.querySelector(".unread-badge");
        badge.hidden = !conversation.unread;
        badge.textContent = conversation.unread
          ? interpolate(ngettext("%(count)s unread", "%(count)s unread", conversation.unread), { count: conversation.unread })
          : "";
        const button = row.querySelector("button");
        if (conversation.id === this.openId) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      },
    });
  }

  // --- The panel -----------------------------------------------------------------------------

  async open(conversationId) {
    this.openId = conversationId;
    this.showPanel();
    await this.load(conversationId, true);
  }

  /** Opens (creating if need be) a one-to-one chat {operator: id} or a room {department: id}. */
  async openWith(target) {
    const answer = await postJson(this.options.endpoints.openInternal, target);
    if (!answer.ok) {
      if (target.operator) this.newError.textContent = answer.error;
      else this.options.announce(answer.error);
      return false;
    }
    const conversation = answer.data;
    this.remember(conversation);
    this.openId = conversation.id;
    this.showPanel();
    this.fill(conversation, true);
    return true;
  }

  async load(conversationId, focus) {
    const answer = await getJson(this.options.endpoints.internalMessages(conversationId));
    if (this.openId !== conversationId) return;
    if (!answer.ok) {
      this.error.textContent = answer.error;
      return;
    }
    this.remember(answer.data);
    this.fill(answer.data, focus);
  }

  remember(conversation) {
    const known = this.conversations.get(conversation.id) || {};
    this.conversations.set(conversation.id, {
      ...known,
      id: conversation.id,
      kind: conversation.kind,
      title: conversation.title,
      unread: 0,
    });
  }

  fill(conversation, focus) {
    this.title.textContent = conversation.title;
    this.kind.textContent = interpolate(gettext("%(kind)s · staff only"), {
      kind: kindLabels()[conversation.kind] || gettext("Internal chat"),
    });
    this.error.textContent = "";
    this.messages.replaceChildren();
    conversation.messages.forEach((message) => this.append(message));
    this.scrollToEnd();
    this.render();
    const last = conversation.messages[conversation.messages.length - 1];
    if (last) this.markRead(conversation.id, last.id);
    if (focus) this.input.focus();
  }

  showPanel() {
    this.error.textContent = "";
    if (this.panel.hidden) {
      this.panel.hidden = false;
      this.options.onPanelToggled(true);
    }
    this.render();
  }

  close() {
    if (this.panel.hidden) return;
    const closing = this.openId;
    this.panel.hidden = true;
    this.openId = null;
    this.options.onPanelToggled(false);
    this.render();
    this.list.querySelector(`[data-key="${CSS.escape(String(closing))}"] button`)?.focus();
  }

  append(message) {
    if (this.messages.querySelector(`[data-id="${message.id}"]`)) return;
    const mine = message.author_id === this.options.me()?.id;
    const item = element("li", `message ${mine ? "from-operator" : "from-colleague"}`);
    item.dataset.id = String(message.id);
    const head = element("div", "message-head");
    const time = element("time", "", timeOfDay(message.created_at));
    time.dateTime = message.created_at;
    head.append(element("span", "sender", mine ? gettext("You") : message.author || gettext("Operator")), time);
    const body = element("p", "message-body");
    appendLinkedText(body, message.body || "");
    item.append(head, body);
    const later = [...this.messages.children].find((row) => Number(row.dataset.id) > message.id);
    this.messages.insertBefore(item, later || null);
  }

  async send() {
    const body = this.input.value.trim();
    if (!body || !this.openId) return;
    const conversationId = this.openId;
    this.error.textContent = "";
    const answer = await postJson(this.options.endpoints.internalMessages(conversationId), { body });
    if (!answer.ok) {
      this.error.textContent = answer.error;
      return;
    }
    if (this.openId === conversationId && this.input.value.trim() === body) this.input.value = "";
  }

  markRead(conversationId, upTo) {
    postJson(this.options.endpoints.internalRead(conversationId), { up_to: upTo });
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // --- Events --------------------------------------------------------------------------------

  /** internal.message: to every member, the author's own tabs included. */
  received(message) {
    if (this.seen.has(message.id)) return;
    this.seen.add(message.id);
    const fromMe = message.author_id === this.options.me()?.id;
    const isNew = !this.conversations.has(message.conversation);
    const known = this.conversations.get(message.conversation) || { id: message.conversation, unread: 0 };
    const conversation = { ...known, title: message.title, last: message.id };
    if (message.conversation === this.openId) {
      const stick = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
      this.append(message);
      if (stick || fromMe) this.scrollToEnd();
      if (!fromMe) this.markRead(message.conversation, message.id);
    } else if (!fromMe) {
      conversation.unread = (conversation.unread || 0) + 1;
    }
    this.conversations.set(message.conversation, conversation);
    this.render();
    // The event does not say whether it is a room or a one-to-one chat: ask the list.
    if (isNew) this.refresh();
    if (!fromMe) this.options.onIncoming(message);
  }

  // --- New internal chat ---------------------------------------------------------------------

  async toggleNewForm(show, returnFocus = true) {
    const visible = show ?? this.newForm.hidden;
    this.newForm.hidden = !visible;
    this.newButton.setAttribute("aria-expanded", String(visible));
    this.newError.textContent = "";
    if (!visible) {
      if (returnFocus) this.newButton.focus();
      return;
    }
    this.newSelect.replaceChildren(new Option(gettext("Loading who is online…"), ""));
    this.newSelect.focus();
    const { operators, error } = await this.options.directory.online();
    if (error) {
      this.newSelect.replaceChildren(new Option("—", ""));
      this.newError.textContent = error;
      return;
    }
    if (!operators.length) {
      this.newSelect.replaceChildren(new Option(gettext("No other operator is online"), ""));
      return;
    }
    this.newSelect.replaceChildren(
      new Option(gettext("Choose an operator…"), ""),
      ...operators.map((operator) => {
        const name =
          operator.availability === "away" ? interpolate(gettext("%(name)s (Away)"), { name: operator.name }) : operator.name;
        return new Option(name, String(operator.id));
      }),
    );
  }
}
