// The live chat: waiting in line, chatting with a librarian, and the end. State comes from the
// socket's frames (docs/protocol.md); the chat's id, token and last message id are kept in
// sessionStorage so a reload resumes it.

import { forgetChat, saveChat } from "./chat-storage.js";
import { initChatExtras } from "./chat-extras.js";
import { initEndedPanel } from "./ended-panel.js";
import { formFeedback } from "./form-feedback.js";
import { tellHost } from "./host-frame.js";
import { MessageLog } from "./message-log.js";
import { PatronSocket } from "./patron-socket.js";
import { api } from "./widget-api.js";
import { format, gettext } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const TYPING_SHOWN_MS = 4000;
const TYPING_SENT_EVERY_MS = 3000;

export function initChatView({ show, onLeave }) {
  const log = new MessageLog($("messages"), $("scroller"));
  const errors = formFeedback("chat-error", "compose-");
  let chat = null;
  let socket = null;
  let status = null;
  let position = null;
  let typingTimer = null;
  let lastTypingSent = 0;
  let lastSentBody = "";
  // Messages up to this id were on screen before a reload: they are not news for the launcher badge.
  let seenBeforeReload = 0;

  const panel = initEndedPanel({ currentChat: () => chat, onNewChat: () => leave() });
  const extras = initChatExtras({
    currentChat: () => (status === "ended" ? null : chat),
    onMessage: (message) => addMessage(message, { fromSocket: false }),
    showError: (text) => showError(text),
    clearError: () => errors.clear(),
  });

  function setStatus(text) {
    $("chat-status").textContent = text;
    $("chat-status").hidden = !text;
  }

  function showWaiting() {
    setStatus(
      position
        ? format(gettext("Waiting for a librarian… You are number %(position)s in line."), { position })
        : gettext("Waiting for a librarian…"),
    );
    $("tagline").textContent = gettext("Waiting for a librarian");
  }

  function showTyping(name) {
    $("typing").textContent = name
      ? format(gettext("%(name)s is typing…"), { name })
      : gettext("The librarian is typing…");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => ($("typing").textContent = ""), TYPING_SHOWN_MS);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    $("typing").textContent = "";
  }

  function remember() {
    saveChat({ ...chat, lastId: Math.max(chat.lastId || 0, seenBeforeReload) });
  }

  function addMessage(message, { fromSocket }) {
    if (!log.add(message)) return;
    // Only the socket's stream is contiguous: an id learnt from an HTTP answer could skip past
    // messages the socket has yet to catch up on, so it must not move the "after" mark.
    if (fromSocket && message.id > (chat.lastId || 0)) {
      chat.lastId = message.id;
      remember();
    }
    if (message.sender === "operator") {
      stopTyping();
      if (message.id > seenBeforeReload) tellHost("message");
    }
  }

  function applyStatus(frame, { live }) {
    const was = status;
    status = frame.status;
    if (status === "waiting") {
      // Back in a line after a transfer to a department: the old place is meaningless until
      // the queue frame that follows says the new one.
      if (was === "active") position = null;
      showWaiting();
    } else if (status === "active") {
      const operator = frame.operator || "a librarian";
      setStatus(format(gettext("You are chatting with %(operator)s."), { operator }));
      $("tagline").textContent = format(gettext("Chatting with %(operator)s"), { operator });
    } else if (status === "ended") {
      ended({ focus: live && was !== "ended" && was !== null });
    }
  }

  function ended({ focus }) {
    status = "ended";
    socket?.stop();
    socket = null;
    stopTyping();
    setStatus("");
    $("connection").hidden = true;
    $("tagline").textContent = gettext("Chat ended");
    $("end-chat").hidden = true;
    $("compose-body").disabled = true;
    $("compose-body").placeholder = gettext("The chat has ended.");
    $("compose").querySelector("button").disabled = true;
    $("compose-hint").hidden = true;
    extras.ended();
    panel.show(chat);
    $("ended").scrollIntoView({ block: "start" });
    if (focus) $("ended-title").focus();
  }

  function handleFrame(frame) {
    switch (frame.type) {
      case "message":
        addMessage(frame, { fromSocket: true });
        break;
      case "status":
        applyStatus(frame, { live: true });
        break;
      case "queue":
        position = frame.position;
        if (status === "waiting" || status === null) showWaiting();
        break;
      case "typing":
        if (frame.sender !== "patron") showTyping(frame.name);
        break;
      case "screenshare.requested":
      case "screenshare.answered":
        extras.handleFrame(frame);
        break;
      case "error":
        showError(frame.error);
        if (frame.action === "message" && !$("compose-body").value) $("compose-body").value = lastSentBody;
        break;
    }
  }

  function showError(text) {
    errors.clear();
    errors.show(text || gettext("That did not work. Please try again."));
  }

  function connect() {
    socket = new PatronSocket(chat, {
      after: () => chat.lastId || null,
      onFrame: handleFrame,
      onUp: () => {
        $("connection").hidden = true;
      },
      onDown: () => {
        $("connection").textContent = gettext("Reconnecting…");
        $("connection").hidden = false;
      },
      onGone: () => leave(gettext("That chat is no longer available. You can start a new one.")),
    });
    socket.connect();
  }

  async function send(event) {
    event.preventDefault();
    const box = $("compose-body");
    const body = box.value.trim();
    if (!body || status === "ended") return;
    errors.clear();
    lastSentBody = body;
    if (socket?.send({ type: "message", body })) {
      box.value = "";
      return;
    }
    // Between reconnects, post over HTTP; the socket's catch-up will not show it twice.
    box.value = "";
    const answer = await api.sendMessage(chat, body);
    if (answer.ok) {
      addMessage(answer.data, { fromSocket: false });
    } else {
      if (!box.value) box.value = body;
      showError(answer.data.error);
    }
  }

  function composeKeys(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("compose").requestSubmit();
    }
  }

  function typed() {
    const now = Date.now();
    if ($("compose-body").value.trim() && now - lastTypingSent >= TYPING_SENT_EVERY_MS) {
      if (socket?.send({ type: "typing" })) lastTypingSent = now;
    }
  }

  async function endChat() {
    const answer = await api.endChat(chat);
    if (answer.ok || answer.status === 409) {
      // The socket's status frame says the same; this covers a socket that is reconnecting.
      if (status !== "ended") ended({ focus: true });
      return;
    }
    showError(answer.data.error);
  }

  function reset() {
    socket?.stop();
    socket = null;
    chat = null;
    status = null;
    position = null;
    stopTyping();
    log.clear();
    errors.clear();
    panel.reset();
    extras.reset();
    $("connection").hidden = true;
    $("question-card").hidden = true;
    $("end-chat").hidden = false;
    $("compose").reset();
    $("compose-body").disabled = false;
    $("compose-body").placeholder = gettext("Type your message…");
    $("compose").querySelector("button").disabled = false;
    $("compose-hint").hidden = false;
  }

  function leave(notice = "") {
    forgetChat();
    reset();
    onLeave(notice);
  }

  $("compose").addEventListener("submit", send);
  $("compose-body").addEventListener("keydown", composeKeys);
  $("compose-body").addEventListener("input", typed);
  $("end-chat").addEventListener("click", endChat);

  return {
    /**
     * Shows `saved` (from the start form or sessionStorage) and connects. A reload starts with an
     * empty log, so the first connect asks for every message; reconnects ask after the last one.
     */
    open(saved, { resumed }) {
      reset();
      chat = { ...saved };
      seenBeforeReload = resumed ? chat.lastId || 0 : 0;
      chat.lastId = 0;
      position = saved.position || null;
      remember();
      $("chat-title").textContent = chat.department
        ? format(gettext("Chat with %(department)s"), { department: chat.department })
        : gettext("Your chat");
      $("question-text").replaceChildren(chat.question || "");
      $("question-card").hidden = !chat.question;
      show("chat-view", { focus: false });
      showWaiting();
      setStatus(resumed ? gettext("Connecting…") : $("chat-status").textContent);
      connect();
      if (!resumed) $("compose-body").focus();
    },
    focus() {
      if (status === "ended") $("ended-title").focus();
      else $("compose-body").focus();
    },
  };
}
