// All active chats, for supervisors: every waiting or active chat with its operator, and
// Reassign to an operator online. Shown only when the server answers the list (403 otherwise).

import { chatEndpoints, getJson, postJson } from "./desk-api.js";
import { waitingFor } from "./clock.js";
import { gettext, interpolate } from "./i18n.js";
import { syncList } from "./keyed-list.js";
import { firstLine } from "./message-text.js";

const REFRESH_MS = 15000;
const statusLabels = () => ({ waiting: gettext("Waiting"), active: gettext("Active") });

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class AllChats {
  /**
   * @param {HTMLElement} desk
   * @param {{url: string, chatApi: string, directory: object}} options
   */
  constructor(desk, options) {
    this.options = options;
    const $ = (selector) => desk.querySelector(selector);
    this.section = $("[data-all-chats]");
    this.list = $("[data-all-chats-list]");
    this.empty = $("[data-all-chats-empty]");
    this.count = $("[data-all-chats-count]");
    this.status = $("[data-all-chats-status]");
    this.enabled = true;
    this.timer = null;
  }

  async start() {
    await this.refresh();
    if (this.enabled) this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  /** Debounced: a burst of queue events costs one request. */
  soon() {
    if (!this.enabled) return;
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.refresh(), 400);
  }

  async refresh() {
    if (!this.enabled) return;
    const answer = await getJson(this.options.url);
    if (answer.status === 403) {
      this.enabled = false;
      clearInterval(this.timer);
      this.section.hidden = true;
      return;
    }
    if (!answer.ok) return;
    this.section.hidden = false;
    this.render(answer.data.chats);
  }

  render(chats) {
    syncList(this.list, chats, {
      key: (chat) => chat.id,
      create: (chat) => this.row(chat),
      update: (row, chat) => {
        row.querySelector(".item-name").textContent = chat.patron_name || gettext("Patron");
        const tag = row.querySelector(".status-tag");
        tag.textContent = statusLabels()[chat.status] || chat.status;
        tag.dataset.status = chat.status;
        row.querySelector(".item-dept").textContent = chat.operator
          ? interpolate(gettext("%(department)s · with %(operator)s"), { department: chat.department.name, operator: chat.operator })
          : interpolate(gettext("%(department)s · waiting %(time)s"), {
              department: chat.department.name,
              time: waitingFor(chat.created_at),
            });
        row.querySelector(".item-question").textContent = firstLine(chat.question);
      },
    });
    this.empty.hidden = chats.length > 0;
    this.count.textContent = String(chats.length);
  }

  row(chat) {
    const row = element("li", "all-chat");
    const top = element("div", "item-top");
    top.append(element("span", "item-name"), element("span", "status-tag"));
    const toggle = element("button", "button small", gettext("Reassign"));
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    const form = element("form", "reassign-form");
    form.hidden = true;
    form.noValidate = true;
    const selectId = `reassign-${chat.id}`;
    const label = element("label", "", gettext("Reassign to"));
    label.htmlFor = selectId;
    const select = element("select");
    select.id = selectId;
    const submit = element("button", "button primary small", gettext("Reassign chat"));
    submit.type = "submit";
    const cancel = element("button", "button small", gettext("Cancel"));
    cancel.type = "button";
    const error = element("p", "form-error");
    error.setAttribute("role", "alert");
    form.append(label, select, submit, cancel, error);
    toggle.setAttribute("aria-controls", `${selectId}-form`);
    form.id = `${selectId}-form`;

    const show = async (visible) => {
      form.hidden = !visible;
      toggle.setAttribute("aria-expanded", String(visible));
      error.textContent = "";
      if (!visible) {
        toggle.focus();
        return;
      }
      select.replaceChildren(new Option(gettext("Loading who is online…"), ""));
      select.focus();
      const { operators, error: problem } = await this.options.directory.online();
      if (problem) {
        select.replaceChildren(new Option("—", ""));
        error.textContent = problem;
        return;
      }
      select.replaceChildren(
        new Option(operators.length ? gettext("Choose an operator…") : gettext("No operator is online"), ""),
        ...operators.map((operator) => new Option(operator.name, String(operator.id))),
      );
    };
    toggle.addEventListener("click", () => show(form.hidden));
    cancel.addEventListener("click", () => show(false));
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") show(false);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const operator = Number(select.value);
      if (!operator) {
        error.textContent = gettext("Choose an operator.");
        return;
      }
      submit.disabled = true;
      const answer = await postJson(chatEndpoints(this.options.chatApi, chat.id).reassign, { operator });
      submit.disabled = false;
      if (!answer.ok) {
        error.textContent = answer.error;
        return;
      }
      form.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      this.status.textContent = interpolate(gettext("The chat with %(patron)s is now %(operator)s's."), {
        patron: chat.patron_name || gettext("the patron"),
        operator: answer.data.operator,
      });
      toggle.focus();
      this.refresh();
    });

    row.append(top, element("p", "item-dept"), element("p", "item-question"), toggle, form);
    return row;
  }
}
