// The operator dashboard (/desk/): speaks the protocol of docs/protocol.md over one
// reconnecting websocket, keeps the lists and the open chat in step with it, and raises the
// alerts of a new waiting chat.

import { Announcer, Chime, DesktopNotifications } from "./alerts.js";
import { refreshWaitingTimes, renderDepartments, renderMyChats, renderWaiting } from "./chat-lists.js";
import { ChatPane } from "./chat-pane.js";
import { chatEndpoints, postJson } from "./desk-api.js";
import { DeskState } from "./desk-state.js";
import { firstLine } from "./message-text.js";
import { ReconnectingSocket } from "./socket.js";

const root = document.getElementById("desk");
const $ = (selector) => root.querySelector(selector);
const config = {
  socketUrl: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${root.dataset.socketPath}`,
  heartbeatSeconds: Number(root.dataset.heartbeatSeconds) || 20,
  chatApi: root.dataset.chatApi,
  interactionUrl: root.dataset.interactionUrl,
  loginUrl: root.dataset.loginUrl,
};
const ui = {
  banner: $("[data-connection-banner]"),
  waitingList: $("[data-waiting-list]"),
  waitingEmpty: $("[data-waiting-empty]"),
  waitingCount: $("[data-waiting-count]"),
  claimError: $("[data-claim-error]"),
  myList: $("[data-my-list]"),
  myEmpty: $("[data-my-empty]"),
  myCount: $("[data-my-count]"),
  departments: $("[data-department-list]"),
  availability: $("[data-my-status]"),
};
const baseTitle = document.title;

const state = new DeskState();
const announcer = new Announcer($("[data-announcer]"));
const chime = new Chime($("[data-sound-hint]"));
const notifications = new DesktopNotifications($("[data-enable-notifications]"), $("[data-notification-state]"));
const pane = new ChatPane($("[data-chat-pane]"), {
  chatApi: config.chatApi,
  interactionUrl: config.interactionUrl,
  sendFrame: (frame) => socket.send(frame),
  onChanged: (chatId, changes) => {
    const chat = state.updateChat(chatId, changes);
    if (chat) {
      pane.update(chat);
      renderMine();
    }
  },
  onClosed: (chatId) => forgetChat(chatId, "Chat closed. Claim a waiting chat, or choose one of your chats."),
});
let snapshots = 0;

const socket = new ReconnectingSocket(
  config.socketUrl,
  {
    onOpen: () => {},
    onFrame: handleFrame,
    onDown: () => showBanner("Reconnecting…", "warning"),
    onForbidden: () => showBanner("You are not signed in as an operator. Sign in again to use the dashboard.", "error", true),
  },
  stillOperator,
  config.heartbeatSeconds,
);

// --- Rendering ----------------------------------------------------------------------------

function renderQueue() {
  const waiting = state.waiting();
  renderWaiting(ui.waitingList, ui.waitingEmpty, waiting, claim);
  ui.waitingCount.textContent = String(waiting.length);
  ui.waitingCount.dataset.zero = String(waiting.length === 0);
  document.title = waiting.length ? `(${waiting.length}) ${baseTitle}` : baseTitle;
}

function renderMine() {
  const chats = state.myChats();
  renderMyChats(ui.myList, ui.myEmpty, chats, { openId: pane.chatId, unread: state.unread, onOpen: openChat });
  ui.myCount.textContent = String(chats.length);
}

function showBanner(text, tone, withSignIn = false) {
  ui.banner.replaceChildren(text);
  ui.banner.dataset.tone = tone;
  if (withSignIn) {
    const link = document.createElement("a");
    link.href = config.loginUrl;
    link.textContent = "Sign in";
    ui.banner.append(" ", link);
  }
}

function hideBanner() {
  ui.banner.replaceChildren();
  delete ui.banner.dataset.tone;
}

function openChat(chatId) {
  const chat = state.chats.get(chatId);
  if (!chat) return;
  state.markRead(chatId);
  pane.open(chat, state.messagesOf(chatId));
  renderMine();
  pane.focusComposer();
}

function forgetChat(chatId, paneText) {
  state.removeChat(chatId);
  if (pane.chatId === chatId) pane.clear(paneText);
  renderMine();
}

// --- Frames from the server ----------------------------------------------------------------

const handlers = {
  snapshot(frame) {
    snapshots += 1;
    hideBanner();
    state.me = frame.me;
    setAvailability(frame.me.availability);
    socket.setHeartbeat(frame.heartbeat_seconds || config.heartbeatSeconds);
    const arrived = state.replaceQueue(frame.queue);
    state.replaceChats(frame.chats);
    state.departments = frame.departments;
    renderQueue();
    renderDepartments(ui.departments, frame.departments);
    if (pane.chatId && !state.chats.has(pane.chatId)) pane.clear("That chat was closed while the dashboard was away.");
    else if (pane.chatId) pane.update(state.chats.get(pane.chatId));
    else if (snapshots === 1 && state.chats.size) openChat(state.myChats()[0].id);
    renderMine();
    // The socket was away (or just started): fetch what each of my chats said meanwhile.
    for (const chat of state.chats.values()) socket.send({ type: "sync", chat: chat.id, after: state.lastMessageId(chat.id) });
    if (snapshots > 1 && arrived.length) alertNewChat(arrived[arrived.length - 1]);
  },

  "queue.added"(frame) {
    if (!state.addToQueue(frame.chat)) return;
    renderQueue();
    alertNewChat(frame.chat);
  },

  "queue.removed"(frame) {
    if (state.removeFromQueue(frame.chat)) renderQueue();
  },

  "chat.assigned"(frame) {
    state.removeFromQueue(frame.chat.id);
    const isNew = !state.chats.has(frame.chat.id);
    const chat = state.upsertChat(frame.chat);
    renderQueue();
    // The server joined this socket to the chat's group before sending this, so a sync now
    // leaves no gap between the stored messages and the live ones.
    socket.send({ type: "sync", chat: chat.id, after: state.lastMessageId(chat.id) });
    if (isNew && !pane.chatId) openChat(chat.id);
    else pane.update(chat);
    renderMine();
  },

  "chat.closed"(frame) {
    forgetChat(frame.chat, "Chat closed. Claim a waiting chat, or choose one of your chats.");
  },

  "chat.transferred"(frame) {
    const chat = state.chats.get(frame.chat);
    if (!chat) return;
    announcer.say(`The chat with ${chat.patron_name || "the patron"} was transferred to ${frame.to}.`);
    forgetChat(frame.chat, `That chat was transferred to ${frame.to}.`);
  },

  status(frame) {
    const known = state.chats.get(frame.chat);
    if (!known) return;
    const wasEnded = known.status === "ended";
    const chat = state.updateChat(frame.chat, { status: frame.status, ended_by: frame.ended_by, operator: frame.operator });
    pane.update(chat);
    renderMine();
    if (!wasEnded && frame.status === "ended" && frame.ended_by === "patron") {
      announcer.say(`${chat.patron_name || "The patron"} ended the chat.`);
    }
  },

  message(frame) {
    if (!state.addMessage(frame)) return;
    if (pane.chatId === frame.chat) {
      pane.addMessage(frame);
    } else {
      state.markUnread(frame.chat);
      renderMine();
    }
  },

  typing(frame) {
    if (frame.sender === "patron") pane.showTyping(frame.chat, frame.name);
  },

  presence(frame) {
    state.departments = frame.departments;
    renderDepartments(ui.departments, frame.departments);
  },

  error(frame) {
    if (frame.chat && frame.chat === pane.chatId) pane.showError(frame.error);
    else announcer.say(frame.error);
  },
};

function handleFrame(frame) {
  const handler = handlers[frame.type];
  if (handler) handler(frame);
}

// --- Alerts --------------------------------------------------------------------------------

function alertNewChat(chat) {
  const department = chat.department.name;
  chime.play();
  announcer.say(`New chat waiting in ${department}`);
  notifications.notify(`New chat waiting in ${department}`, `${chat.patron_name || "Patron"}: ${firstLine(chat.question)}`, () => {
    const claimButton = ui.waitingList.querySelector(`[data-key="${CSS.escape(chat.id)}"] button`);
    if (claimButton) claimButton.focus();
  });
}

// --- Operator actions ----------------------------------------------------------------------

async function claim(chatId, button) {
  ui.claimError.textContent = "";
  button.disabled = true;
  // Read before awaiting: our own queue.removed may arrive before the HTTP answer does.
  const summary = state.queue.get(chatId);
  const answer = await postJson(chatEndpoints(config.chatApi, chatId).claim, undefined);
  if (answer.ok) {
    state.removeFromQueue(chatId);
    renderQueue();
    if (summary && !state.chats.has(chatId)) {
      state.upsertChat({ ...summary, status: "active", operator: state.me?.name, operator_id: state.me?.id });
    }
    openChat(chatId);
    return;
  }
  button.disabled = false;
  ui.claimError.textContent = answer.error;
  if (answer.status === 409 || answer.status === 404) {
    state.removeFromQueue(chatId);
    renderQueue();
  }
}

function setAvailability(value) {
  const radio = ui.availability.querySelector(`input[value="${value}"]`);
  if (radio) radio.checked = true;
}

ui.availability.addEventListener("change", (event) => {
  const value = event.target.value;
  if (!socket.send({ type: "availability", availability: value })) {
    setAvailability(value === "online" ? "away" : "online");
    announcer.say("Not connected: your status was not changed.");
  }
});

/** After a handshake that never opened: is this session still an operator's? */
async function stillOperator() {
  try {
    const response = await fetch(location.pathname, { method: "HEAD", redirect: "manual", credentials: "same-origin" });
    // Signed out answers with a redirect to the sign-in page; a non-operator with 403.
    return !(response.type === "opaqueredirect" || response.status === 401 || response.status === 403);
  } catch {
    // The server is down, not refusing us: keep retrying.
    return true;
  }
}

setInterval(() => refreshWaitingTimes(ui.waitingList), 15000);
renderQueue();
renderMine();
socket.connect();
