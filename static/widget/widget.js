// The patron's chat widget, in its iframe on a library's site or full page (/widget/?full=1):
// start a chat or leave a question, wait in line, chat live, then email the transcript and rate
// the chat. It speaks docs/protocol.md.

import { loadChat } from "./chat-storage.js";
import { initChatView } from "./chat-view.js";
import { framed, onHostSignal, tellHost } from "./host-frame.js";
import { initStartView } from "./start-view.js";

const VIEWS = ["start-view", "ticket-view", "chat-view"];
const $ = (id) => document.getElementById(id);

/** Shows one view; by default moves focus to its heading so screen readers hear the change. */
function show(view, { focus = true } = {}) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  $("main").scrollTop = 0;
  if (focus) $(view).querySelector(".view-title").focus();
}

const start = initStartView({
  show,
  onChatStarted: (chat) => chatView.open(chat, { resumed: false }),
});
const chatView = initChatView({
  show,
  onLeave: (notice) => start.enter(notice),
});

if (framed) {
  // The patron chose a language (the links in the header reload the frame with ?lang=): embed.js
  // keeps it, so the frame on the library's next page opens in it too.
  if (new URLSearchParams(location.search).has("lang")) tellHost("language", { lang: document.documentElement.lang });
  $("close-window").hidden = false;
  $("close-window").addEventListener("click", () => tellHost("close"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) tellHost("close");
  });
  onHostSignal((signal) => {
    if (signal !== "focus") return;
    // The patron already clicked into the form (the frame was still loading): leave them there.
    const active = document.activeElement;
    if (active && active !== document.body && $("widget").contains(active)) return;
    if (!$("chat-view").hidden) chatView.focus();
    else if (!$("start-view").hidden) $("department").focus();
    else $(VIEWS.find((id) => !$(id).hidden)).querySelector(".view-title").focus();
  });
}

const saved = loadChat();
if (saved) {
  chatView.open(saved, { resumed: true });
} else {
  start.enter("", { focus: false });
}
