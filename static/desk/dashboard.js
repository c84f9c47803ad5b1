// The operator dashboard (/desk/): speaks the protocol of docs/protocol.md over one
// reconnecting websocket, keeps the lists and the open chat in step with it, and raises the
// alerts of a new waiting chat. Transfers, internal chat, shifts and supervision live in their
// own modules; this file routes the socket's frames to them.

import { AlertSettings, NOTIFICATION_TAGS } from "./alert-settings.js";
import { Announcer, Chime, DesktopNotifications } from "./alerts.js";
import { refreshWaitingTimes, renderDepartments, renderMyChats, renderWaiting } from "./chat-lists.js";
import { ChatPane } from "./chat-pane.js";
import { chatEndpoints, deskEndpoints, postJson } from "./desk-api.js";
import { DeskState } from "./desk-state.js";
import { DutyBoard } from "./duty.js";
import { InternalChat } from "./internal-chat.js";
import { gettext, interpolate } from "./i18n.js";
import { firstLine } from "./message-text.js";
import { OperatorDirectory } from "./operators.js";
import { ReconnectingSocket } from "./socket.js";
import { AllChats } from "./supervisor.js";
import { TicketCounts } from "./ticket-counts.js";
import { TransferDialog } from "./transfer-dialog.js";
import { TransferRequests } from "./transfer-requests.js";
import { SentTransfers } from "./transfer-status.js";

const root = document.getElementById("desk");
const $ = (selector) => root.querySelector(selector);
const config = {
  socketUrl: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${root.dataset.socketPath}`,
  heartbeatSeconds: Number(root.dataset.heartbeatSeconds) || 20,
  chatApi: root.dataset.chatApi,
  deskApi: root.dataset.deskApi,
  operatorsUrl: root.dataset.operatorsUrl,
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
  requests: $("[data-request-list]"),
};
const baseTitle = document.title;
const leftText = () => gettext("You left the chat; it goes on with the patron and its operator.");
const closedText = () => gettext("Chat closed. Claim a waiting chat, or choose one of your chats.");

const state = new DeskState();
const announcer = new Announcer($("[data-announcer]"));
const chime = new Chime($("[data-sound-hint]"));
const notifications = new DesktopNotifications($("[data-enable-notifications]"), $("[data-notification-state]"));
const alertSettings = new AlertSettings($("[data-alert-settings]"), $("[data-alert-settings-open]"), {
  url: deskEndpoints(config.deskApi).alertPreferences,
  saved: $("[data-alert-settings-saved]"),
  onChanged: (preferences) => chime.setEnabled(preferences.sound),
});
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
  onClosed: (chatId) => forgetChat(chatId, closedText()),
  onTransfer: (chat, button) => transferDialog.open(chat, button),
  owns: (chat) => state.owns(chat),
  onLeft: (chatId) => forgetChat(chatId, leftText()),
});
let snapshots = 0;

const endpoints = deskEndpoints(config.deskApi);
const directory = new OperatorDirectory(config, () => state.ownedChats().filter((c) => c.status === "active").map((c) => c.id));
const sentTransfers = new SentTransfers($("[data-transfer-pending]"), $("[data-transfer-outcome]"));
const transferDialog = new TransferDialog($("[data-transfer-dialog]"), {
  chatApi: config.chatApi,
  onSent: (chat, target, answer) => sentTransfers.sent(chat, target, answer),
});
// Chats I accepted by transfer: open them once chat.assigned brings them, whichever comes first.
const openWhenAssigned = new Set();
const transferRequests = new TransferRequests(
  {
    section: $("[data-transfer-requests]"),
    list: $("[data-request-list]"),
    count: $("[data-request-count]"),
    status: $("[data-request-status]"),
  },
  {
    endpoints,
    onArrived: (transfer) => {
      const text = interpolate(gettext("%(operator)s wants to transfer a chat to you"), {
        operator: transfer.from || gettext("Another operator"),
      });
      raiseAlert("transfer_requests", text, questionLine(transfer.chat), () => ui.requests.querySelector("button")?.focus());
    },
    onAccepted: (chatId) => {
      if (state.chats.has(chatId)) openChat(chatId);
      else openWhenAssigned.add(chatId);
    },
  },
);
const internalChat = new InternalChat(root, {
  endpoints,
  directory,
  me: () => state.me,
  announce: (text) => announcer.say(text),
  onIncoming: (message) =>
    raiseAlert(
      "internal_messages",
      message.author
        ? interpolate(gettext("New internal message from %(author)s"), { author: message.author })
        : gettext("New internal message from a colleague"),
      firstLine(message.body),
    ),
  onPanelToggled: (open) => root.classList.toggle("has-internal", open),
});
const duty = new DutyBoard(root, {
  dutyUrl: endpoints.duty,
  chatApi: config.chatApi,
  activeChats: () => state.ownedChats().filter((chat) => chat.status === "active"),
  selectedChat: () => (pane.chatId && state.owns(state.chats.get(pane.chatId)) ? state.chats.get(pane.chatId) : null),
  onSent: (chat, target, answer) => sentTransfers.sent(chat, target, answer),
  announce: (text) => announcer.say(text),
});
const allChats = new AllChats(root, { url: endpoints.activeChats, chatApi: config.chatApi, directory });
const ticketCounts = new TicketCounts($("[data-ticket-counts]"));

const socket = new ReconnectingSocket(
  config.socketUrl,
  {
    onOpen: () => {},
    onFrame: handleFrame,
    onDown: () => showBanner(gettext("Reconnecting…"), "warning"),
    onForbidden: () =>
      showBanner(gettext("You are not signed in as an operator. Sign in again to use the dashboard."), "error", true),
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
  renderMyChats(ui.myList, ui.myEmpty, chats, {
    openId: pane.chatId,
    unread: state.unread,
    onOpen: openChat,
    owns: (chat) => state.owns(chat),
  });
  ui.myCount.textContent = String(chats.length);
  duty.showHandover(duty.handover);
}

function showDepartments(departments) {
  state.departments = departments;
  renderDepartments(ui.departments, departments, (departmentId) => internalChat.openWith({ department: departmentId }));
}

function showBanner(text, tone, withSignIn = false) {
  ui.banner.replaceChildren(text);
  ui.banner.dataset.tone = tone;
  if (withSignIn) {
    const link = document.createElement("a");
    link.href = config.loginUrl;
    link.textContent = gettext("Sign in");
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
  transferDialog.chatGone(chatId);
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
    alertSettings.apply(frame.alert_preferences);
    setAvailability(frame.me.availability);
    socket.setHeartbeat(frame.heartbeat_seconds || config.heartbeatSeconds);
    const arrived = state.replaceQueue(frame.queue);
    state.replaceChats(frame.chats);
    renderQueue();
    showDepartments(frame.departments);
    if (pane.chatId && !state.chats.has(pane.chatId)) pane.clear(gettext("That chat was closed while the dashboard was away."));
    else if (pane.chatId) pane.update(state.chats.get(pane.chatId));
    else if (snapshots === 1 && state.chats.size) openChat(state.myChats()[0].id);
    renderMine();
    // The socket was away (or just started): fetch what each of my chats said meanwhile.
    for (const chat of state.chats.values()) socket.send({ type: "sync", chat: chat.id, after: state.lastMessageId(chat.id) });
    if (snapshots > 1 && arrived.length) alertNewChat(arrived[arrived.length - 1]);
    // Internal messages are not replayed on the socket: the list's unread counts catch up instead.
    internalChat.refresh();
    ticketCounts.refresh();
    allChats.soon();
    // Requests still waiting for my answer come back after a reload or reconnect.
    for (const transfer of frame.transfers || []) {
      if (!transferRequests.has(transfer.id)) transferRequests.requested(transfer);
    }
  },

  "queue.added"(frame) {
    if (!state.addToQueue(frame.chat)) return;
    renderQueue();
    alertNewChat(frame.chat);
    allChats.soon();
  },

  "queue.removed"(frame) {
    if (state.removeFromQueue(frame.chat)) renderQueue();
    allChats.soon();
  },

  "chat.assigned"(frame) {
    state.removeFromQueue(frame.chat.id);
    const isNew = !state.chats.has(frame.chat.id);
    const chat = state.upsertChat(frame.chat);
    renderQueue();
    // The server joined this socket to the chat's group before sending this, so a sync now
    // leaves no gap between the stored messages and the live ones.
    socket.send({ type: "sync", chat: chat.id, after: state.lastMessageId(chat.id) });
    if (openWhenAssigned.delete(chat.id) || (isNew && !pane.chatId)) openChat(chat.id);
    else pane.update(chat);
    renderMine();
    allChats.soon();
  },

  "chat.closed"(frame) {
    forgetChat(frame.chat, closedText());
  },

  "chat.transferred"(frame) {
    const chat = state.chats.get(frame.chat);
    if (!chat) return;
    announcer.say(
      interpolate(gettext("The chat with %(patron)s was transferred to %(target)s."), {
        patron: chat.patron_name || gettext("the patron"),
        target: frame.to,
      }),
    );
    forgetChat(frame.chat, interpolate(gettext("That chat was transferred to %(target)s."), { target: frame.to }));
    allChats.soon();
  },

  /** I transferred the chat and stayed in it: it stays on my dashboard, no longer mine to end. */
  "chat.participating"(frame) {
    const chat = state.upsertChat(frame.chat);
    transferDialog.chatGone(chat.id);
    announcer.say(
      interpolate(
        gettext("The chat with %(patron)s is now %(operator)s's. You are still in it until you choose Leave chat."),
        { patron: chat.patron_name || gettext("the patron"), operator: chat.operator || gettext("another operator") },
      ),
    );
    pane.update(chat);
    renderMine();
    allChats.soon();
  },

  /** Who owns a chat I am in and who else is in it changed. */
  "chat.participants"(frame) {
    const chat = state.updateChat(frame.chat, {
      operator: frame.operator,
      operator_id: frame.operator_id,
      participants: frame.participants,
    });
    if (!chat) return;
    pane.update(chat);
    renderMine();
  },

  "chat.left"(frame) {
    forgetChat(frame.chat, leftText());
  },

  "transfer.requested"(frame) {
    transferRequests.requested(frame.transfer);
  },

  /** Sent to both sides; a request card I hold is mine to answer, anything else I sent. */
  "transfer.answered"(frame) {
    const transfer = frame.transfer;
    if (transferRequests.has(transfer.id)) transferRequests.answered(transfer);
    else if (transfer.status === "pending" || sentTransfers.isMine(transfer.id) || transfer.from === state.me?.name) {
      sentTransfers.answered(transfer);
    }
  },

  "patron.updated"(frame) {
    const chat = state.updateChat(frame.chat, { patron_name: frame.name, patron_email: frame.email });
    if (!chat) return;
    if (pane.chatId === frame.chat) pane.update(chat);
    renderMine();
  },

  "tickets.counts"(frame) {
    ticketCounts.show(frame);
  },

  "internal.message"(frame) {
    internalChat.received(frame);
  },

  status(frame) {
    const known = state.chats.get(frame.chat);
    if (!known) return;
    const wasEnded = known.status === "ended";
    const chat = state.updateChat(frame.chat, { status: frame.status, ended_by: frame.ended_by, operator: frame.operator });
    pane.update(chat);
    renderMine();
    if (!wasEnded && frame.status === "ended" && frame.ended_by === "patron") {
      announcer.say(interpolate(gettext("%(patron)s ended the chat."), { patron: chat.patron_name || gettext("The patron") }));
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
    showDepartments(frame.departments);
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
  const title = interpolate(gettext("New chat waiting in %(department)s"), { department: chat.department.name });
  raiseAlert("new_chats", title, questionLine(chat), () => {
    const claimButton = ui.waitingList.querySelector(`[data-key="${CSS.escape(chat.id)}"] button`);
    if (claimButton) claimButton.focus();
  });
}

/**
 * The one way the desk asks for attention: the chime, an announcement, a desktop notification.
 * The operator's Alert settings decide the chime and the pop-up, per kind of alert; the
 * announcement always goes out, since it is how a screen reader learns that a list changed.
 */
function raiseAlert(kind, title, body, onClick) {
  announcer.say(title);
  if (!alertSettings.allows(kind)) return;
  if (alertSettings.sound) chime.play();
  if (alertSettings.popups) notifications.notify(title, body, onClick, NOTIFICATION_TAGS[kind]);
}

/** A notification's body: who asks, and the first line of what. */
function questionLine(chat) {
  return `${chat.patron_name || gettext("Patron")}: ${firstLine(chat.question)}`;
}

// --- Operator actions ----------------------------------------------------------------------

async function claim(chatId, button) {
  // aria-disabled rather than disabled: a disabled button loses the keyboard focus, and the
  // list can only hand the focus on to the next chat if the button still holds it.
  if (button.getAttribute("aria-disabled") === "true") return;
  ui.claimError.textContent = "";
  button.setAttribute("aria-disabled", "true");
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
  button.removeAttribute("aria-disabled");
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
    announcer.say(gettext("Not connected: your status was not changed."));
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
duty.start();
allChats.start();
