// The receiving side of transfers: a card per request ("Alice wants to transfer a chat to you")
// with the patron's question, the sender's internal note, and Accept / Decline.

import { postJson } from "./desk-api.js";
import { gettext, interpolate } from "./i18n.js";
import { firstLine } from "./message-text.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const GONE = {
  expired: () => gettext("The transfer request from %(operator)s expired before it was answered."),
  cancelled: () => gettext("%(operator)s's transfer request was cancelled: the chat ended or moved on."),
};

export class TransferRequests {
  /**
   * @param {{section: HTMLElement, list: HTMLUListElement, count: HTMLElement, status: HTMLElement}} ui
   * @param {{endpoints: object, onAccepted: (chatId) => void, onArrived: (transfer) => void}} options
   */
  constructor(ui, options) {
    this.ui = ui;
    this.options = options;
    this.cards = new Map();
  }

  has(transferId) {
    return this.cards.has(transferId);
  }

  requested(transfer) {
    if (this.cards.has(transfer.id)) return;
    const card = this.card(transfer);
    this.cards.set(transfer.id, card);
    this.ui.list.append(card);
    this.render();
    this.options.onArrived(transfer);
  }

  /** transfer.answered for a request to me: the card goes, with a sentence unless I answered it. */
  answered(transfer) {
    const sentence = GONE[transfer.status];
    if (!this.remove(transfer.id)) return;
    if (sentence) this.ui.status.textContent = interpolate(sentence(), { operator: transfer.from || gettext("Another operator") });
  }

  remove(transferId) {
    const card = this.cards.get(transferId);
    if (!card) return false;
    // Keep the keyboard somewhere sensible when the focused card goes.
    const heading = document.getElementById("patron-chats-heading");
    if (card.contains(document.activeElement) && heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
    card.remove();
    this.cards.delete(transferId);
    this.render();
    return true;
  }

  render() {
    this.ui.section.hidden = this.cards.size === 0;
    this.ui.count.textContent = String(this.cards.size);
  }

  card(transfer) {
    const from = transfer.from || gettext("Another operator");
    const chat = transfer.chat;
    const card = element("li", "request-card");
    const asking = interpolate(gettext("%(operator)s wants to transfer a chat to you"), { operator: from });
    const title = element("p", "request-title", asking);
    title.id = `transfer-request-${transfer.id}`;
    const meta = element("p", "request-meta", `${chat.patron_name || gettext("Patron")} · ${chat.department.name}`);
    const question = element("blockquote", "request-question", firstLine(chat.question));
    question.title = chat.question;
    card.append(title, meta, question);
    if (transfer.stay) {
      const staying = interpolate(gettext("%(operator)s will stay in the chat with you and the patron."), { operator: from });
      card.append(element("p", "request-meta", staying));
    }
    if (transfer.note) {
      const note = element("p", "request-note");
      const label = interpolate(gettext("Note from %(operator)s:"), { operator: from });
      note.append(element("span", "request-note-label", `${label} `), document.createTextNode(transfer.note));
      card.append(note);
    }
    const error = element("p", "form-error");
    error.setAttribute("role", "alert");
    const actions = element("div", "request-actions");
    const accept = element("button", "button primary small", gettext("Accept"));
    const decline = element("button", "button small", gettext("Decline"));
    for (const button of [accept, decline]) {
      button.type = "button";
      button.setAttribute("aria-describedby", title.id);
    }
    accept.addEventListener("click", () => this.answer(transfer, "accept", [accept, decline], error));
    decline.addEventListener("click", () => this.answer(transfer, "decline", [accept, decline], error));
    actions.append(accept, decline);
    card.append(actions, error);
    return card;
  }

  async answer(transfer, action, buttons, error) {
    buttons.forEach((button) => (button.disabled = true));
    error.textContent = "";
    const url = this.options.endpoints[action](transfer.id);
    const answer = await postJson(url, undefined);
    const from = transfer.from || gettext("the other operator");
    if (!answer.ok) {
      if (answer.status === 409 || answer.status === 403 || answer.status === 404) {
        // The request is over (expired, cancelled, already answered): say why and drop it.
        this.remove(transfer.id);
        this.ui.status.textContent = answer.error;
      } else {
        buttons.forEach((button) => (button.disabled = false));
        error.textContent = answer.error;
      }
      return;
    }
    this.remove(transfer.id);
    if (action === "accept") {
      this.ui.status.textContent = interpolate(gettext("You accepted the chat with %(patron)s from %(operator)s."), {
        patron: transfer.chat.patron_name || gettext("the patron"),
        operator: from,
      });
      this.options.onAccepted(transfer.chat.id);
    } else {
      const declined = gettext("You declined the transfer from %(operator)s; the chat stays with them.");
      this.ui.status.textContent = interpolate(declined, { operator: from });
    }
  }
}
