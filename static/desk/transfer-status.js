// The sender's side of transfers: "Waiting for Bob to accept…" while the request is open, then
// one sentence saying how it ended, read out as an alert, until dismissed.

import { gettext, interpolate } from "./i18n.js";

const OUTCOMES = {
  accepted: (transfer) =>
    transfer.stay
      ? gettext("%(operator)s accepted — the chat is now theirs. You are still in it until you choose Leave chat.")
      : gettext("%(operator)s accepted — the chat is now theirs."),
  declined: () => gettext("%(operator)s declined the transfer; the chat stays with you."),
  expired: () => gettext("%(operator)s did not answer in time; the chat stays with you."),
  cancelled: () => gettext("The transfer to %(operator)s was cancelled because the chat ended or moved on."),
};

const targetName = (transfer) => transfer.to_operator || transfer.to_department || gettext("the other operator");

export class SentTransfers {
  /**
   * @param {HTMLUListElement} pendingList  role=status
   * @param {HTMLElement} outcomes  role=alert
   */
  constructor(pendingList, outcomes) {
    this.pendingList = pendingList;
    this.outcomes = outcomes;
    this.pending = new Map();
  }

  isMine(transferId) {
    return this.pending.has(transferId);
  }

  /** The server took the request: for an operator it now waits; a department got it at once. */
  sent(chat, target, answer) {
    if (answer.status === "pending") {
      this.waiting(answer.transfer, target.name, chat.patron_name);
    } else {
      this.outcome(
        interpolate(gettext("The chat with %(patron)s is now waiting in the %(queue)s queue."), {
          patron: chat.patron_name || gettext("the patron"),
          queue: target.name,
        }),
      );
    }
  }

  waiting(transferId, to, patronName) {
    if (this.pending.has(transferId)) return;
    const row = document.createElement("li");
    row.className = "transfer-notice is-pending";
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    spinner.setAttribute("aria-hidden", "true");
    const text = document.createElement("span");
    text.textContent = interpolate(gettext("Waiting for %(operator)s to accept…"), { operator: to });
    if (patronName) text.title = interpolate(gettext("Chat with %(patron)s"), { patron: patronName });
    row.append(spinner, text);
    this.pendingList.append(row);
    this.pending.set(transferId, row);
  }

  /** transfer.answered as the sender: pending (another tab sent it) or how it ended. */
  answered(transfer) {
    if (transfer.status === "pending") {
      this.waiting(transfer.id, targetName(transfer), transfer.chat.patron_name);
      return;
    }
    const row = this.pending.get(transfer.id);
    if (row) row.remove();
    this.pending.delete(transfer.id);
    const sentence = OUTCOMES[transfer.status];
    if (sentence) {
      const text = interpolate(sentence(transfer), { operator: targetName(transfer) });
      this.outcome(text, transfer.status === "accepted" ? "" : "warning");
    }
  }

  outcome(text, tone = "") {
    const row = document.createElement("p");
    row.className = "transfer-notice";
    if (tone) row.dataset.tone = tone;
    const words = document.createElement("span");
    words.textContent = text;
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "dismiss";
    dismiss.setAttribute("aria-label", gettext("Dismiss"));
    dismiss.textContent = "×";
    dismiss.addEventListener("click", () => row.remove());
    row.append(words, dismiss);
    // Only the latest outcomes matter; a long shift must not pile them up.
    while (this.outcomes.children.length >= 3) this.outcomes.firstElementChild.remove();
    this.outcomes.append(row);
  }
}
