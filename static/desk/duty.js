// Shifts: who is on duty now and next (refreshed every minute), and, when my shift has ended
// with chats still open, a banner offering a one-click transfer to the next person on duty
// (or to the department's queue when they are not online).

import { chatEndpoints, getJson, postJson } from "./desk-api.js";
import { gettext, interpolate } from "./i18n.js";
import { syncList } from "./keyed-list.js";

const REFRESH_MS = 60000;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderShifts(list, empty, rows, line) {
  syncList(list, rows, {
    key: (row) => `${row.department}|${row.operator}|${row.until || row.starts}`,
    create: () => element("li", "duty-item"),
    update: (item, row) => {
      const [who, detail] = line(row);
      item.replaceChildren(element("span", "duty-who", who), element("span", "duty-detail", detail));
    },
  });
  empty.hidden = rows.length > 0;
}

export class DutyBoard {
  /**
   * @param {HTMLElement} desk
   * @param {object} options  dutyUrl, chatApi, activeChats() -> my active chat summaries,
   *   selectedChat() -> the open chat or null, onSent(chat, target, answer), announce(text)
   */
  constructor(desk, options) {
    this.options = options;
    const $ = (selector) => desk.querySelector(selector);
    this.now = $("[data-duty-now]");
    this.nowEmpty = $("[data-duty-now-empty]");
    this.next = $("[data-duty-next]");
    this.nextEmpty = $("[data-duty-next-empty]");
    this.banner = $("[data-handover]");
    this.text = $("[data-handover-text]");
    this.button = $("[data-handover-button]");
    this.error = $("[data-handover-error]");
    this.handover = null;
    this.button.addEventListener("click", () => this.handOver());
  }

  start() {
    this.refresh();
    setInterval(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    const answer = await getJson(this.options.dutyUrl);
    if (!answer.ok) return;
    const { on_duty: onDuty, next, handover } = answer.data;
    renderShifts(this.now, this.nowEmpty, onDuty, (s) => [
      s.operator,
      interpolate(gettext("%(department)s, until %(time)s"), { department: s.department, time: s.until }),
    ]);
    renderShifts(this.next, this.nextEmpty, next, (s) => [s.operator, `${s.department}, ${s.starts}`]);
    this.showHandover(handover);
  }

  showHandover(handover) {
    const wasShown = !this.banner.hidden;
    this.handover = handover;
    if (!handover || !this.options.activeChats().length) {
      this.banner.hidden = true;
      return;
    }
    const sentence = interpolate(gettext("Your shift ended at %(time)s. You still have open chats."), {
      time: handover.ended_at,
    });
    this.text.textContent = sentence;
    const next = handover.next_operator;
    this.button.textContent =
      next && next.online
        ? interpolate(gettext("Transfer to %(operator)s"), { operator: next.name })
        : interpolate(gettext("Transfer to %(department)s queue"), { department: handover.department.name });
    this.banner.hidden = false;
    if (!wasShown) this.options.announce(sentence);
  }

  /** The open chat if it is one of mine and active, else every active chat of mine. */
  chatsToHandOver() {
    const selected = this.options.selectedChat();
    if (selected && selected.status === "active") return [selected];
    return this.options.activeChats();
  }

  async handOver() {
    const handover = this.handover;
    if (!handover) return;
    const next = handover.next_operator;
    const target =
      next && next.online
        ? { kind: "operator", id: next.id, name: next.name }
        : { kind: "department", id: handover.department.slug, name: handover.department.name };
    const note = interpolate(gettext("My shift ended at %(time)s."), { time: handover.ended_at });
    this.button.disabled = true;
    this.error.textContent = "";
    const failures = [];
    for (const chat of this.chatsToHandOver()) {
      const url = chatEndpoints(this.options.chatApi, chat.id).transfer;
      const answer = await postJson(url, { [target.kind]: target.id, note });
      if (answer.ok) this.options.onSent(chat, target, answer.data);
      else failures.push(`${chat.patron_name || gettext("Patron")}: ${answer.error}`);
    }
    this.button.disabled = false;
    this.error.textContent = failures.join(" ");
    this.refresh();
  }
}
