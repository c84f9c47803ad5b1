// What the chat pane shows for SMS chats, patron attachments and screen sharing. Kept apart from
// chat-pane.js, which calls in at three points: build, update and renderMessage.

import { postJson } from "./desk-api.js";
import { gettext, interpolate, ngettext } from "./i18n.js";
import { isOverOneText, smsCountText } from "./sms-count.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The "Source SMS" tag of a chat in the lists and the chat header. */
export function sourceTag(chat) {
  return chat.source === "sms" ? element("span", "source-tag", gettext("Source SMS")) : null;
}

/** Wires the SMS counter and Request Screenshare into a freshly built chat view. */
export function buildExtras(view, chat, { showError, showNotice }) {
  const article = view.article;
  const count = article.querySelector("[data-sms-count]");
  const countId = `sms-count-${chat.id.slice(0, 8)}`;
  count.id = countId;
  const screenshare = article.querySelector('[data-action="screenshare"]');
  const screenshareUrl = view.urls.end.replace(/end$/, "screenshare");
  const tagSlot = article.querySelector("[data-chat-source]");

  const refreshCount = () => {
    count.textContent = smsCountText(view.input.value);
    count.dataset.over = String(isOverOneText(view.input.value));
  };
  view.input.addEventListener("input", () => {
    if (!count.hidden) refreshCount();
  });
  // Sending clears the box without an input event.
  view.composer.addEventListener("submit", () => setTimeout(refreshCount));
  view.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) setTimeout(refreshCount);
  });

  screenshare.addEventListener("click", async () => {
    screenshare.disabled = true;
    const answer = await postJson(screenshareUrl, {});
    screenshare.disabled = false;
    if (!answer.ok) {
      showError(answer.error);
      return;
    }
    showNotice(gettext("Screen sharing offered: the patron is asked Yes or No. The link goes out only after Yes."));
  });

  return {
    update(current) {
      const sms = current.source === "sms";
      tagSlot.replaceChildren(...[sourceTag(current)].filter(Boolean));
      count.hidden = !sms;
      if (sms) {
        view.input.setAttribute("aria-describedby", countId);
        refreshCount();
      } else {
        view.input.removeAttribute("aria-describedby");
      }
      screenshare.hidden = sms || current.status !== "active";
    },
  };
}

function humanSize(bytes) {
  if (bytes < 1024) return interpolate(ngettext("%(count)s byte", "%(count)s bytes", bytes), { count: bytes });
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * A patron's file: name, size and type with the manuals' advice, opened only by an explicit click
 * (a download), and for images a preview only when asked for.
 */
export function attachmentCard(attachment) {
  const card = element("div", "attachment-card");
  const name = element("p", "attachment-name", attachment.name);
  const meta = element("p", "attachment-meta", `${attachment.type} · ${humanSize(attachment.size)}`);
  const warning = element(
    "p",
    "attachment-warning",
    gettext("Make sure the patron is really asking a question before you open a file they sent."),
  );
  const actions = element("div", "attachment-actions");
  const download = element("a", "button small", interpolate(gettext("Download %(name)s"), { name: attachment.name }));
  download.href = `/desk/api/attachments/${encodeURIComponent(attachment.id)}/download`;
  download.setAttribute("download", attachment.name);
  actions.append(download);
  card.append(name, meta, warning, actions);
  if (String(attachment.type).startsWith("image/")) {
    const preview = element("button", "button small", gettext("Show preview"));
    preview.type = "button";
    preview.setAttribute("aria-label", interpolate(gettext("Show preview of %(name)s"), { name: attachment.name }));
    preview.addEventListener("click", async () => {
      preview.disabled = true;
      // The server only ever sends the file as a download; the picture is shown from memory.
      const response = await fetch(download.href, { credentials: "same-origin" });
      if (!response.ok) {
        preview.disabled = false;
        preview.textContent = gettext("Preview failed; try again");
        return;
      }
      const blob = new Blob([await response.arrayBuffer()], { type: attachment.type });
      const image = element("img", "attachment-preview");
      image.alt = interpolate(gettext("Preview of %(name)s"), { name: attachment.name });
      image.src = URL.createObjectURL(blob);
      preview.replaceWith(image);
    });
    actions.append(preview);
  }
  return card;
}
