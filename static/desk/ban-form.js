// Ban: the chat header's button opens a short form (how long, why); sending it bans the
// patron's device through POST /desk/api/chats/{id}/ban, and the chat ends on the server.

import { postJson } from "./desk-api.js";
import { gettext } from "./i18n.js";

export function wireBanForm(article, { url, suffix, onError }) {
  const button = article.querySelector('[data-action="ban"]');
  const form = article.querySelector("[data-ban-form]");
  const duration = form.querySelector("[data-ban-duration]");
  const reason = form.querySelector("[data-ban-reason]");
  form.id = `ban-form-${suffix}`;
  duration.id = `ban-duration-${suffix}`;
  reason.id = `ban-reason-${suffix}`;
  form.querySelector("[data-ban-duration-label]").htmlFor = duration.id;
  form.querySelector("[data-ban-reason-label]").htmlFor = reason.id;
  button.setAttribute("aria-controls", form.id);

  function toggle(open = form.hidden) {
    form.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) duration.focus();
    else button.focus();
  }

  button.addEventListener("click", () => toggle());
  form.querySelector("[data-ban-cancel]").addEventListener("click", () => toggle(false));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") toggle(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await postJson(url, { duration: duration.value, reason: reason.value });
    if (!answer.ok) {
      onError(answer.error);
      return;
    }
    form.hidden = true;
    button.disabled = true;
    button.textContent = gettext("Banned");
  });
}
