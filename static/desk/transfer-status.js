// The sender's side of transfers: "Waiting for Bob to accept…" while the request is open, then
// one sentence saying how it ended, read out as an alert, until dismissed.

const OUTCOMES = {
  accepted: (to, transfer) =>
    transfer.stay
      ? `${to} accepted — the chat is now theirs. You are still in it until you choose Leave chat.`
      : `${to} accepted — the chat is now theirs.`,
  declined: (to) => `${to} declined the transfer; the chat stays with you.`,
  expired: (to) => `${to} did not answer in time; the chat stays with you.`,
  cancelled: (to) => `The transfer to ${to} was cancelled because the chat ended or moved on.`,
};

const targetName = (transfer) => transfer.to_operator || transfer.to_department || "the other operator";

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
      this.outcome(`The chat with ${chat.patron_name || "the patron"} is now waiting in the ${target.name} queue.`);
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
    text.textContent = `Waiting for ${to} to accept…`;
    if (patronName) text.title = `Chat with ${patronName}`;
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
    if (sentence) this.outcome(sentence(targetName(transfer), transfer), transfer.status === "accepted" ? "" : "warning");
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
    dismiss.setAttribute("aria-label", "Dismiss");
    dismiss.textContent = "×";
    dismiss.addEventListener("click", () => row.remove());
    row.append(words, dismiss);
    // Only the latest outcomes matter; a long shift must not pile them up.
    while (this.outcomes.children.length >= 3) this.outcomes.firstElementChild.remove();
    this.outcomes.append(row);
  }
}
