// Patron Information: the chat header's button opens what the desk knows about the patron
// (name and email, editable with Update; an SMS chat's number; the page they came from; their
// browser) and their earlier chats and tickets by the same contact, each a link. GET/POST /desk/api/chats/{id}/patron.

import { getJson, postJson } from "./desk-api.js";
import { gettext } from "./i18n.js";

export function wirePatronInfo(article, { url, suffix, onError }) {
  const $ = (selector) => article.querySelector(selector);
  const button = $('[data-action="patron"]');
  const panel = $("[data-patron-panel]");
  const form = $("[data-patron-form]");
  const name = $("[data-patron-name]");
  const email = $("[data-patron-email]");
  const saved = $("[data-patron-saved]");
  panel.id = `patron-panel-${suffix}`;
  name.id = `patron-name-${suffix}`;
  email.id = `patron-email-${suffix}`;
  $("[data-patron-name-label]").htmlFor = name.id;
  $("[data-patron-email-label]").htmlFor = email.id;
  $("[data-patron-heading]").id = `patron-heading-${suffix}`;
  panel.setAttribute("aria-labelledby", `patron-heading-${suffix}`);
  button.setAttribute("aria-controls", panel.id);

  function show(info) {
    name.value = info.name || "";
    email.value = info.email || "";
    // An SMS chat's number: the contact its history is also matched by.
    const phone = $("[data-patron-phone]");
    phone.textContent = info.phone || "";
    phone.hidden = $("[data-patron-phone-term]").hidden = !info.phone;
    $("[data-patron-page]").textContent = info.page_url || gettext("Not known");
    $("[data-patron-browser]").textContent = info.browser || gettext("Not known");
    fill($("[data-patron-chats]"), info.chats, (chat) => [
      chat.url,
      `${new Date(chat.created_at).toLocaleDateString()} · ${chat.department}: ${chat.question}`,
    ], gettext("No earlier chats with this contact."));
    fill($("[data-patron-tickets]"), info.tickets, (ticket) => [
      ticket.url,
      `#${ticket.number} · ${ticket.status}: ${ticket.subject}`,
    ], gettext("No tickets with this contact."));
  }

  button.addEventListener("click", async () => {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (!open) return;
    const answer = await getJson(url);
    if (!answer.ok) {
      onError(answer.error);
      return;
    }
    show(answer.data);
    name.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.textContent = "";
    const answer = await postJson(url, { name: name.value, email: email.value });
    if (!answer.ok) {
      onError(answer.error);
      return;
    }
    show(answer.data);
    saved.textContent = gettext("Updated.");
  });
}

/** Links built with textContent: names and questions are the patron's words, never markup. */
function fill(list, items, describe, emptyText) {
  list.replaceChildren();
  for (const item of items || []) {
    const [href, text] = describe(item);
    const entry = document.createElement("li");
    const link = document.createElement("a");
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = text;
    entry.append(link);
    list.append(entry);
  }
  if (!list.children.length) {
    const entry = document.createElement("li");
    entry.className = "empty";
    entry.textContent = emptyText;
    list.append(entry);
  }
}
