// The Transfer dialog of a patron chat: departments and operators, those who cannot receive it
// greyed out with the reason in words, an internal note, whether to stay in the chat (a three-way
// chat with the new operator, as in LibChat), and the server's sentence on refusal.
// A native modal <dialog> keeps focus inside and closes on Escape.

import { chatEndpoints, getJson, postJson } from "./desk-api.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class TransferDialog {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {{chatApi: string, onSent: (chat, target, answer) => void}} options
   *   onSent gets the chat, {kind: "operator"|"department", id, name} and the server's answer data.
   */
  constructor(dialog, options) {
    this.dialog = dialog;
    this.options = options;
    const $ = (selector) => dialog.querySelector(selector);
    this.form = $("[data-transfer-form]");
    this.subject = $("[data-transfer-subject]");
    this.loading = $("[data-transfer-loading]");
    this.departments = $("[data-transfer-departments]");
    this.operators = $("[data-transfer-operators]");
    this.note = $("[data-transfer-note]");
    this.stay = $("[data-transfer-stay]");
    this.error = $("[data-transfer-error]");
    this.submit = $("[data-transfer-submit]");
    this.chat = null;
    this.returnFocus = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    $("[data-transfer-cancel]").addEventListener("click", () => this.close());
    // A chat sent back to a department's queue has nobody to share it with yet.
    this.form.addEventListener("change", (event) => {
      if (event.target.name === "transfer-target") this.stay.disabled = event.target.targetInfo.kind !== "operator";
    });
    // Escape fires "cancel" and the browser closes the dialog; focus goes back either way.
    dialog.addEventListener("close", () => this.restoreFocus());
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) this.close();
    });
  }

  async open(chat, returnFocus) {
    this.chat = chat;
    this.returnFocus = returnFocus;
    this.subject.textContent = interpolate(gettext("%(patron)s: “%(question)s”"), {
      patron: chat.patron_name || gettext("Patron"),
      question: chat.question,
    });
    this.note.value = "";
    this.stay.checked = true;
    this.stay.disabled = false;
    this.error.textContent = "";
    this.departments.replaceChildren();
    this.operators.replaceChildren();
    this.submit.disabled = true;
    this.loading.textContent = gettext("Loading who is online…");
    if (!this.dialog.open) this.dialog.showModal();
    const answer = await getJson(chatEndpoints(this.options.chatApi, chat.id).transferTargets);
    if (!this.dialog.open || this.chat !== chat) return;
    this.loading.textContent = "";
    if (!answer.ok) {
      this.error.textContent = answer.error;
      return;
    }
    this.render(answer.data);
    this.submit.disabled = false;
    const first = this.form.querySelector('input[name="transfer-target"]:not(:disabled)');
    (first || this.note).focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** The chat went away (transferred, closed) while the dialog was open for it. */
  chatGone(chatId) {
    if (this.chat && this.chat.id === chatId) this.close();
  }

  restoreFocus() {
    const target = this.returnFocus;
    this.chat = null;
    this.returnFocus = null;
    if (target && target.isConnected && !target.hidden) target.focus();
  }

  render({ departments, operators }) {
    this.departments.replaceChildren(
      ...departments.map((department) => {
        const available = !department.unavailable_reason;
        let state = department.unavailable_reason;
        if (available) {
          const online = department.operators_online;
          state = interpolate(ngettext("%(count)s online", "%(count)s online", online), { count: online });
        }
        if (department.current) state = interpolate(gettext("%(state)s · this chat's department"), { state });
        return this.option(
          { kind: "department", id: department.slug, name: department.name },
          department.name,
          state,
          available,
        );
      }),
    );
    if (!operators.length) {
      this.operators.replaceChildren(element("li", "empty", gettext("No other operators.")));
      return;
    }
    this.operators.replaceChildren(
      ...operators.map((operator) => {
        const available = !operator.unavailable_reason;
        const presence = operator.availability === "away" ? gettext("Away") : gettext("Online");
        const state = available ? presence : operator.unavailable_reason;
        return this.option({ kind: "operator", id: operator.id, name: operator.name }, operator.name, state, available);
      }),
    );
  }

  option(target, name, state, available) {
    const row = element("li", available ? "target" : "target is-unavailable");
    const label = element("label");
    const input = element("input");
    input.type = "radio";
    input.name = "transfer-target";
    input.value = `${target.kind}:${target.id}`;
    input.disabled = !available;
    input.targetInfo = target;
    const dot = element("span", `dot${available ? " dot-online" : ""}`);
    dot.setAttribute("aria-hidden", "true");
    label.append(input, dot, element("span", "target-name", name), element("span", "target-state", state));
    row.append(label);
    return row;
  }

  async send() {
    const chosen = this.form.querySelector('input[name="transfer-target"]:checked');
    if (!chosen) {
      this.error.textContent = gettext("Choose a department or an operator to transfer the chat to.");
      const first = this.form.querySelector('input[name="transfer-target"]:not(:disabled)');
      if (first) first.focus();
      return;
    }
    const target = chosen.targetInfo;
    const chat = this.chat;
    const body = { [target.kind]: target.id, note: this.note.value.trim() };
    if (target.kind === "operator") body.stay = this.stay.checked;
    this.error.textContent = "";
    this.submit.disabled = true;
    const answer = await postJson(chatEndpoints(this.options.chatApi, chat.id).transfer, body);
    this.submit.disabled = false;
    if (answer.ok) {
      // The chat may already have left (a department transfer's event can beat this answer).
      if (this.chat === chat) this.close();
      this.options.onSent(chat, target, answer.data);
      return;
    }
    if (this.chat !== chat) return;
    this.error.textContent = answer.error;
    chosen.focus();
  }
}
