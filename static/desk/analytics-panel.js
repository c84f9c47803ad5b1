// The Reference Analytics form of an ended chat. The server renders it as an autoescaped HTML
// fragment (/analytics/chats/{id}/interaction); its form is posted with fetch and the answer,
// saved (200) or with errors (400), is the fragment to show next.

import { fragment } from "./desk-api.js";
import { gettext, interpolate } from "./i18n.js";

export class AnalyticsPanel {
  /**
   * @param {HTMLElement} slot  where the fragment goes
   * @param {string} url
   * @param {(justSaved: boolean) => void} onRecorded  the chat's statistics are in the database
   */
  constructor(slot, url, onRecorded) {
    this.slot = slot;
    this.url = url;
    this.onRecorded = onRecorded;
    this.loaded = false;
    slot.addEventListener("submit", (event) => this.submit(event));
  }

  async load() {
    if (this.loaded) return;
    this.loaded = true;
    this.slot.hidden = false;
    this.slot.setAttribute("aria-busy", "true");
    const { status, html } = await fragment(this.url);
    this.slot.removeAttribute("aria-busy");
    if (status !== 200) {
      this.loaded = false;
      this.showFailure(status);
      return;
    }
    this.show(html);
    if (this.slot.querySelector(".saved")) this.onRecorded(false);
  }

  async submit(event) {
    const form = event.target.closest("form");
    if (!form || !this.slot.contains(form)) return;
    event.preventDefault();
    const button = form.querySelector('[type="submit"]');
    if (button) button.disabled = true;
    const { status, html } = await fragment(this.url, new FormData(form));
    if (status === 200 || status === 400) {
      this.show(html);
      if (status === 200) {
        // The fragment replaced the form where the operator had scrolled to Save: bring its
        // heading back into view, with the rest of what was saved under it.
        this.slot.querySelector("h3")?.scrollIntoView({ block: "nearest" });
        this.onRecorded(true);
      } else {
        const invalid = this.slot.querySelector(".has-error input, .has-error select, .has-error textarea");
        if (invalid) invalid.focus();
      }
      return;
    }
    if (button) button.disabled = false;
    this.showFailure(status, form);
  }

  /** Trusted: our own server-rendered, autoescaped template, never text a patron typed. */
  show(html) {
    this.slot.innerHTML = html;
  }

  showFailure(status, form) {
    const note = document.createElement("p");
    note.className = "analytics-failure";
    note.setAttribute("role", "alert");
    const failed = form
      ? gettext("The Reference Analytics form could not be saved (error %(status)s).")
      : gettext("The Reference Analytics form could not be loaded (error %(status)s).");
    note.textContent =
      status === 0
        ? gettext("The Reference Analytics form could not be reached. Check the connection and try again.")
        : interpolate(failed, { status });
    this.slot.querySelector(".analytics-failure")?.remove();
    if (form) form.append(note);
    else this.slot.replaceChildren(note);
  }
}
