// While the patron types a question, up to three published FAQ answers that may already answer
// it (GET /api/widget/v1/faq). Opening one counts a view and shows the answer as text, with its
// addresses made into links node by node: nothing from the server is parsed as markup. The chat
// form stays where it is, so the patron can still ask.

import { appendLinkedText } from "./linked-text.js";
import { api } from "./widget-api.js";
import { gettext } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 350;
const MIN_LENGTH = 3;

function safeHref(url) {
  try {
    const parsed = new URL(url, location.href);
    return ["http:", "https:"].includes(parsed.protocol) ? parsed.href : "";
  } catch {
    return "";
  }
}

function link(text, href) {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = text;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  return anchor;
}

export function initFaqSuggestions() {
  const box = $("faq-suggestions");
  const list = $("faq-list");
  const answer = $("faq-answer");
  let timer = null;
  let asked = "";

  function clear() {
    box.hidden = true;
    list.replaceChildren();
    answer.hidden = true;
    answer.replaceChildren();
  }

  async function open(entry, button) {
    const reply = await api.faqView(entry.id);
    const shown = reply.ok ? reply.data : entry;
    for (const item of list.querySelectorAll("button")) item.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-expanded", "true");
    const title = document.createElement("h3");
    title.textContent = shown.question;
    const text = document.createElement("p");
    text.className = "faq-answer-text";
    appendLinkedText(text, shown.answer);
    const links = document.createElement("p");
    links.className = "faq-links";
    const page = safeHref(shown.url);
    if (page) links.append(link(gettext("Open this answer on its own page"), page));
    const more = safeHref(shown.link);
    if (more) links.append(" · ", link(gettext("More information"), more));
    const still = document.createElement("p");
    still.className = "hint";
    still.textContent = gettext("Not what you needed? Your question is still here: start the chat below.");
    answer.replaceChildren(title, text, links, still);
    answer.hidden = false;
  }

  function render(results) {
    list.replaceChildren();
    answer.hidden = true;
    for (const entry of results) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "faq-suggestion";
      button.textContent = entry.question;
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", "faq-answer");
      button.addEventListener("click", () => open(entry, button));
      item.append(button);
      list.append(item);
    }
    box.hidden = results.length === 0;
  }

  async function lookUp() {
    const text = $("question").value.trim();
    if (text.length < MIN_LENGTH) {
      asked = "";
      clear();
      return;
    }
    if (text === asked) return;
    asked = text;
    const reply = await api.faq(text.slice(0, 200), $("department").value);
    // A slower, older answer must not replace the newer one.
    if (asked !== text) return;
    render(reply.ok ? reply.data.results || [] : []);
  }

  $("question").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, DEBOUNCE_MS);
  });
  // Text typed before this script ran (a slow connection) or restored by the browser counts too.
  if ($("question").value.trim()) timer = setTimeout(lookUp, DEBOUNCE_MS);
  return { clear };
}
