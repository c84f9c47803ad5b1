// FAQ lookup beside Canned Messages: search the FAQ answers (GET /desk/api/faq?q=) and put one,
// with its page address, into the composer for the operator to check and send. Results are
// text nodes only; nothing from the server becomes markup.

import { getJson } from "./desk-api.js";
import { gettext, interpolate, ngettext } from "./i18n.js";

const DEBOUNCE_MS = 300;
let count = 0;

export class FaqLookup {
  /**
   * @param {HTMLElement} slot where the button and its panel go
   * @param {HTMLTextAreaElement} input the composer
   * @param {string} url the lookup endpoint
   */
  constructor(slot, input, url) {
    count += 1;
    this.input = input;
    this.url = url;
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "button";
    this.button.textContent = gettext("FAQ");
    this.button.setAttribute("aria-expanded", "false");
    this.panel = document.createElement("div");
    this.panel.className = "faq-lookup-panel";
    this.panel.id = `faq-lookup-${count}`;
    this.panel.hidden = true;
    this.button.setAttribute("aria-controls", this.panel.id);
    const label = document.createElement("label");
    label.htmlFor = `faq-lookup-q-${count}`;
    label.textContent = gettext("Search FAQ answers");
    this.search = document.createElement("input");
    this.search.type = "search";
    this.search.id = label.htmlFor;
    this.search.autocomplete = "off";
    this.status = document.createElement("p");
    this.status.className = "faq-lookup-status";
    this.status.setAttribute("role", "status");
    this.list = document.createElement("ul");
    this.list.className = "faq-lookup-list";
    this.panel.append(label, this.search, this.status, this.list);
    slot.append(this.button, this.panel);

    this.button.addEventListener("click", () => this.toggle());
    this.search.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.lookUp(), DEBOUNCE_MS);
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.toggle(false);
    });
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
    if (open) this.search.focus();
    else this.button.focus();
  }

  async lookUp() {
    const q = this.search.value.trim();
    this.list.replaceChildren();
    if (q.length < 2) {
      this.status.textContent = "";
      return;
    }
    const answer = await getJson(`${this.url}?${new URLSearchParams({ q: q.slice(0, 200) })}`);
    if (q !== this.search.value.trim()) return;
    if (!answer.ok) {
      this.status.textContent = answer.error;
      return;
    }
    const results = answer.data.results;
    this.status.textContent = results.length
      ? interpolate(ngettext("%(count)s answer", "%(count)s answers", results.length), { count: results.length })
      : gettext("No answer found.");
    for (const entry of results) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "faq-lookup-insert";
      button.textContent = entry.published
        ? entry.question
        : interpolate(gettext("%(question)s (not published)"), { question: entry.question });
      button.title = entry.answer;
      button.addEventListener("click", () => this.insert(entry));
      item.append(button);
      this.list.append(item);
    }
  }

  insert(entry) {
    const text = entry.published ? `${entry.answer}\n${entry.url}` : entry.answer;
    this.input.value = this.input.value.trim() ? `${this.input.value.trim()}\n${text}` : text;
    this.input.dispatchEvent(new Event("input"));
    this.toggle(false);
    this.input.focus();
  }
}
