// The left column's lists: chats waiting in my departments, my own chats, and the departments.

import { waitingFor } from "./clock.js";
import { gettext, interpolate, ngettext } from "./i18n.js";
import { syncList } from "./keyed-list.js";
import { firstLine } from "./message-text.js";
import { sourceTag } from "./chat-extras.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const patronName = (chat) => chat.patron_name || gettext("Patron");
const statusLabels = () => ({ waiting: gettext("Waiting"), active: gettext("Active"), ended: gettext("Ended") });

export function renderWaiting(list, empty, chats, onClaim) {
  syncList(list, chats, {
    key: (chat) => chat.id,
    create(chat) {
      const row = element("li", "waiting-item");
      const main = element("div", "item-main");
      const top = element("div", "item-top");
      top.append(element("span", "dept-tag", chat.department.name));
      if (sourceTag(chat)) top.append(sourceTag(chat));
      const wait = element("time", "wait");
      wait.dateTime = chat.created_at;
      wait.dataset.since = chat.created_at;
      top.append(wait);
      main.append(top, element("p", "item-name", patronName(chat)), element("p", "item-question", firstLine(chat.question)));
      const claim = element("button", "button primary small", gettext("Claim Chat"));
      claim.type = "button";
      claim.addEventListener("click", () => onClaim(chat.id, claim));
      row.append(main, claim);
      return row;
    },
    update(row) {
      const wait = row.querySelector(".wait");
      wait.textContent = waitingFor(wait.dataset.since);
    },
  });
  empty.hidden = chats.length > 0;
}

/** Waiting times move on by themselves: refresh them without touching anything else. */
export function refreshWaitingTimes(list) {
  for (const wait of list.querySelectorAll("time[data-since]")) wait.textContent = waitingFor(wait.dataset.since);
}

export function renderMyChats(list, empty, chats, { openId, unread, onOpen, owns = () => true }) {
  syncList(list, chats, {
    key: (chat) => chat.id,
    create(chat) {
      const row = element("li", "my-item");
      const button = element("button", "my-entry");
      button.type = "button";
      const top = element("span", "item-top");
      top.append(element("span", "item-name", ""), ...[sourceTag(chat)].filter(Boolean), element("span", "status-tag", ""));
      const unreadBadge = element("span", "unread");
      unreadBadge.append(element("span", "unread-count"), element("span", "visually-hidden unread-label"));
      button.append(top, element("span", "item-dept"), element("span", "item-question"), unreadBadge);
      button.addEventListener("click", () => onOpen(chat.id));
      row.append(button);
      return row;
    },
    update(row, chat) {
      const button = row.querySelector("button");
      row.querySelector(".item-name").textContent = patronName(chat);
      const tag = row.querySelector(".status-tag");
      tag.textContent = statusLabels()[chat.status] || chat.status;
      tag.dataset.status = chat.status;
      // A chat I stayed in after transferring it says whose it is now.
      row.querySelector(".item-dept").textContent = owns(chat)
        ? chat.department.name
        : interpolate(gettext("%(department)s · %(operator)s's chat"), {
            department: chat.department.name,
            operator: chat.operator || gettext("another operator"),
          });
      row.querySelector(".item-question").textContent = firstLine(chat.question);
      const count = unread.get(chat.id) || 0;
      row.querySelector(".unread").hidden = count === 0;
      row.querySelector(".unread-count").textContent = count ? String(count) : "";
      // The count is its own (visible) element; the label that follows it is read out with it.
      row.querySelector(".unread-label").textContent = count ? ` ${ngettext("new message", "new messages", count)}` : "";
      if (chat.id === openId) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    },
  });
  empty.hidden = chats.length > 0;
}

/** Each online department's name is a button that opens its internal room; offline ones are text. */
export function renderDepartments(list, departments, onOpen) {
  syncList(list, departments, {
    key: (department) => String(department.id),
    create() {
      const row = element("li", "department");
      row.append(
        element("span", "dot"),
        element("span", "department-name"),
        element("span", "department-state"),
        element("span", "department-operators"),
      );
      row.querySelector(".dot").setAttribute("aria-hidden", "true");
      return row;
    },
    update(row, department) {
      row.classList.toggle("is-online", department.online);
      const name = row.querySelector(".department-name");
      const wanted = department.online ? "BUTTON" : "SPAN";
      let shown = name;
      if (name.tagName !== wanted) {
        shown = element(wanted.toLowerCase(), "department-name");
        if (department.online) {
          shown.type = "button";
          shown.setAttribute("aria-describedby", "department-hint");
          shown.addEventListener("click", () => onOpen(department.id));
        }
        name.replaceWith(shown);
      }
      shown.textContent = department.name;
      row.querySelector(".department-state").textContent = department.online ? gettext("Online") : gettext("Offline");
      row.querySelector(".department-operators").textContent = operatorsText(department);
    },
  });
}

function operatorsText(department) {
  const online = department.operators_online || 0;
  if (!online) return gettext("no operators online");
  const people = interpolate(ngettext("%(count)s operator online", "%(count)s operators online", online), { count: online });
  const away = online - (department.operators_available || 0);
  if (!away) return people;
  return interpolate(ngettext("%(operators)s, %(count)s away", "%(operators)s, %(count)s away", away), {
    operators: people,
    count: away,
  });
}
