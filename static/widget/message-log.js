// The chat's messages, in id order, each shown once. Bodies go in as text nodes (links built
// node by node); the patron's own on the right, the librarian's on the left, the desk's notes
// small and centred.

import { fileCard } from "./chat-extras.js";
import { appendLinkedText } from "./linked-text.js";
import { format, gettext } from "./i18n.js";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

function timeOf(message) {
  const when = new Date(message.created_at);
  if (Number.isNaN(when.getTime())) return null;
  const time = document.createElement("time");
  time.dateTime = message.created_at;
  time.textContent = timeFormat.format(when);
  return time;
}

function render(message) {
  const item = document.createElement("li");
  item.className = `message ${message.sender}`;
  item.dataset.id = String(message.id);
  if (message.sender !== "system") {
    const meta = document.createElement("p");
    meta.className = "meta";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = message.sender === "patron" ? gettext("You") : message.name || gettext("Librarian");
    meta.append(who);
    const time = timeOf(message);
    if (time) meta.append(" ", time);
    item.append(meta);
  }
  const body = document.createElement("p");
  body.className = "body";
  appendLinkedText(body, String(message.body ?? ""));
  item.append(body);
  if (message.attachment) item.append(fileCard(message.attachment));
  return item;
}

export class MessageLog {
  constructor(list, scroller) {
    this.list = list;
    this.scroller = scroller;
    this.ids = new Set();
  }

  clear() {
    this.ids.clear();
    this.list.replaceChildren();
  }

  /** Adds a message unless its id is already shown; returns whether it was new. */
  add(message) {
    if (!Number.isInteger(message.id) || this.ids.has(message.id)) return false;
    this.ids.add(message.id);
    const stick = message.sender === "patron" || this.nearBottom();
    const item = render(message);
    // A message posted over HTTP during a reconnect can arrive before older ones caught up
    // from the socket: place each by id, so the log always reads in the order it was written.
    let after = this.list.lastElementChild;
    while (after && Number(after.dataset.id) > message.id) after = after.previousElementSibling;
    if (after) after.after(item);
    else this.list.prepend(item);
    if (stick) this.scrollToEnd();
    return true;
  }

  nearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < 80;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
