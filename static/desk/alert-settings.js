// Alert settings: whether the dashboard plays a sound and shows desktop pop-ups, and for which
// alerts (new chats, transfer requests, internal messages). Kept on the operator's account
// (GET/POST /desk/api/alert-preferences) and sent in every snapshot, so they follow the
// operator to any desk computer. A native modal <dialog>: focus stays inside, Escape closes.

import { postJson } from "./desk-api.js";
import { gettext } from "./i18n.js";

const FIELDS = ["sound", "popups", "new_chats", "transfer_requests", "internal_messages"];
// Every alert is on until the operator says otherwise (the server's default too).
const DEFAULTS = Object.fromEntries(FIELDS.map((field) => [field, true]));

/** Each kind of alert has its own pop-up tag: a new one replaces only an older one of its kind. */
export const NOTIFICATION_TAGS = {
  new_chats: "desk-new-chat",
  transfer_requests: "desk-transfer-request",
  internal_messages: "desk-internal-message",
};

export class AlertSettings {
  /**
   * @param {HTMLDialogElement} dialog
   * @param {HTMLButtonElement} opener  the Alert settings button
   * @param {{url: string, saved: HTMLElement, onChanged: (preferences) => void}} options  saved: a role=status line
   */
  constructor(dialog, opener, options) {
    this.dialog = dialog;
    this.opener = opener;
    this.options = options;
    this.preferences = { ...DEFAULTS };
    this.form = dialog.querySelector("[data-alert-settings-form]");
    this.error = dialog.querySelector("[data-alert-settings-error]");
    this.submit = this.form.querySelector('[type="submit"]');
    opener.addEventListener("click", () => this.open());
    dialog.querySelector("[data-alert-settings-cancel]").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => opener.focus());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  /** The settings the server sent (snapshot) or saved. */
  apply(preferences) {
    this.preferences = { ...DEFAULTS, ...(preferences || {}) };
    this.options.onChanged(this.preferences);
  }

  /** Whether an alert of this kind (new_chats, transfer_requests, internal_messages) may sound or pop up. */
  allows(kind) {
    return this.preferences[kind] !== false;
  }

  get sound() {
    return this.preferences.sound !== false;
  }

  get popups() {
    return this.preferences.popups !== false;
  }

  open() {
    for (const field of FIELDS) this.form.elements[field].checked = this.preferences[field] !== false;
    this.error.textContent = "";
    this.options.saved.textContent = "";
    this.submit.disabled = false;
    this.dialog.showModal();
    this.form.elements.sound.focus();
  }

  async save() {
    const chosen = Object.fromEntries(FIELDS.map((field) => [field, this.form.elements[field].checked]));
    this.submit.disabled = true;
    const answer = await postJson(this.options.url, chosen);
    this.submit.disabled = false;
    if (!answer.ok) {
      this.error.textContent = answer.error;
      return;
    }
    this.apply(answer.data);
    this.dialog.close();
    this.options.saved.textContent = gettext("Alert settings saved.");
  }
}
