// Files and screen sharing in the patron's chat: Attach a file (checked again by the desk), the
// patron's own files as downloads (fetched with the chat's token, which never goes in a URL), and the
// librarian's screen-sharing question with Yes and No.

import { format, gettext } from "./i18n.js";
import { api } from "./widget-api.js";

const $ = (id) => document.getElementById(id);

function humanSize(bytes) {
  if (bytes < 1024) return format(gettext("%(bytes)s bytes"), { bytes });
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The file line under a message that carries one (message-log.js calls this). */
export function fileCard(attachment) {
  const card = document.createElement("p");
  card.className = "file-card";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button quiet small";
  button.dataset.attachmentId = String(attachment.id);
  button.dataset.attachmentName = attachment.name;
  button.textContent = format(gettext("Download %(name)s (%(size)s)"), {
    name: attachment.name,
    size: humanSize(attachment.size),
  });
  card.append(button);
  return card;
}

export function initChatExtras({ currentChat, onMessage, showError, clearError }) {
  const input = $("attach-input");
  const attach = $("attach-button");
  const prompt = $("screenshare-prompt");
  let pendingId = null;

  attach.addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    const chat = currentChat();
    if (!file || !chat) return;
    clearError();
    attach.disabled = true;
    attach.textContent = gettext("Sending the file…");
    const answer = await api.upload(chat, file);
    attach.disabled = false;
    attach.textContent = gettext("Attach a file");
    if (answer.ok) onMessage(answer.data);
    else showError(answer.data.error);
  });

  $("messages").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-attachment-id]");
    const chat = currentChat();
    if (!button || !chat) return;
    const answer = await api.download(chat, button.dataset.attachmentId);
    if (!answer.ok) {
      showError(answer.error);
      return;
    }
    const link = document.createElement("a");
    link.href = URL.createObjectURL(answer.blob);
    link.download = button.dataset.attachmentName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  });

  function hidePrompt() {
    pendingId = null;
    prompt.hidden = true;
  }

  async function reply(accept) {
    const chat = currentChat();
    if (!chat || pendingId === null) return;
    const id = pendingId;
    const answer = await api.answerScreenshare(chat, id, accept);
    if (!answer.ok) {
      showError(answer.data.error);
      if (answer.status === 409) hidePrompt();
      return;
    }
    hidePrompt();
    if (accept && answer.data.url) showLink(answer.data.url);
  }

  function showLink(url) {
    const link = $("screenshare-link");
    link.href = url;
    $("screenshare-open").hidden = false;
    // Opened in a new tab straight away when the browser allows it; the link stays for when it does not.
    window.open(url, "_blank", "noopener");
    link.focus();
  }

  $("screenshare-yes").addEventListener("click", () => reply(true));
  $("screenshare-no").addEventListener("click", () => reply(false));

  return {
    handleFrame(frame) {
      if (frame.type === "screenshare.requested") {
        pendingId = frame.id;
        $("screenshare-question").textContent = frame.operator
          ? format(
              gettext("%(operator)s would like to look at your screen with you. Would you like a screen-sharing session?"),
              { operator: frame.operator },
            )
          : gettext("The librarian would like to look at your screen with you. Would you like a screen-sharing session?");
        prompt.hidden = false;
        $("screenshare-yes").focus();
      } else if (frame.type === "screenshare.answered" && frame.id === pendingId) {
        // Answered in another tab of the same chat.
        hidePrompt();
        if (frame.accepted && frame.url) showLink(frame.url);
      }
    },
    ended() {
      hidePrompt();
      attach.disabled = true;
    },
    reset() {
      hidePrompt();
      $("screenshare-open").hidden = true;
      attach.disabled = false;
    },
  };
}
