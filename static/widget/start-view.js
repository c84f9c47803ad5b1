// The first screen: who is online, and one form that starts a chat, or, when nobody in the chosen
// department is online (or the desk answers 409), leaves the question as a ticket for an email
// reply. One form for both, so what the patron typed stays put when it changes mode.

import { initFaqSuggestions } from "./faq-suggestions.js";
import { formFeedback, whileBusy } from "./form-feedback.js";
import { api } from "./widget-api.js";
import { format, gettext } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 30000;
const params = new URLSearchParams(location.search);

function statusWord(department) {
  if (!department.online) return gettext("Offline");
  return department.away ? gettext("Away") : gettext("Online");
}

/** The class that colours the badge: never the translated word. */
function presenceClass(department) {
  if (!department.online) return "offline";
  return department.away ? "away" : "online";
}

function listNames(names) {
  if (names.length < 2) return names.join("");
  return format(gettext("%(first)s and %(last)s"), { first: names.slice(0, -1).join(", "), last: names.at(-1) });
}

/** Where the patron was: the library page that embeds us, without its query (search terms are private). */
function pageUrl() {
  const raw = params.get("page") || document.referrer;
  try {
    const url = new URL(raw);
    return url.protocol.startsWith("http") ? `${url.origin}${url.pathname}`.slice(0, 500) : "";
  } catch {
    return "";
  }
}

export function initStartView({ show, onChatStarted }) {
  const errors = formFeedback("start-error", "");
  const faq = initFaqSuggestions();
  let departments = [];
  let loaded = false;
  let refreshTimer = null;
  // Departments the desk just refused a chat for (409), even if the last status said online.
  const refused = new Set();
  // The patron chose to leave a question rather than wait for an operator who is away.
  let awayTicket = false;
  const wanted = params.get("department") || "";

  const isOnline = (department) => department.online && !refused.has(department.slug);
  const chosen = () => departments.find((d) => d.slug === $("department").value);
  // Until the status has loaded nothing is known, so the form offers a chat and the desk decides.
  // Online, but every operator there has set Away (docs/protocol.md, status).
  const isAway = () => Boolean(loaded && chosen() && isOnline(chosen()) && chosen().away);
  const offline = () =>
    refused.has($("department").value) || (loaded && !(chosen() && isOnline(chosen()))) || (awayTicket && isAway());

  function fillSelect() {
    const select = $("department");
    const current = select.value || wanted;
    select.replaceChildren();
    for (const department of departments) {
      const option = document.createElement("option");
      option.value = department.slug;
      option.textContent = isOnline(department)
        ? department.name
        : format(gettext("%(department)s (offline)"), { department: department.name });
      select.append(option);
    }
    const fallback = departments.find(isOnline) || departments[0];
    select.value = departments.some((d) => d.slug === current) ? current : fallback?.slug || "";
  }

  function renderPresence() {
    const list = $("presence-list");
    list.replaceChildren();
    for (const department of departments) {
      const item = document.createElement("li");
      const word = isOnline(department) ? statusWord(department) : gettext("Offline");
      item.className = `presence-item ${isOnline(department) ? presenceClass(department) : "offline"}`;
      const name = document.createElement("span");
      name.textContent = department.name;
      const separator = document.createElement("span");
      separator.className = "visually-hidden";
      separator.textContent = ": ";
      const status = document.createElement("span");
      status.className = "presence-status";
      status.textContent = word;
      item.append(name, separator, status);
      list.append(item);
    }
    const online = departments.filter(isOnline).map((d) => d.name);
    $("presence-summary").textContent = online.length
      ? format(gettext("Online now: %(departments)s."), { departments: listNames(online) })
      : gettext("No department has a librarian online at the moment.");
    // The list already says who is online in words; the sentence is for screen readers.
    $("presence-summary").classList.add("visually-hidden");
    $("tagline").textContent = online.length ? gettext("Librarians are online") : gettext("Leave us a question");
  }

  /** Chat mode or ticket mode, following the chosen department. */
  function applyMode() {
    const ticket = offline();
    const away = isAway();
    $("start-form").dataset.mode = ticket ? "ticket" : "chat";
    $("offline-notice").hidden = !ticket || away;
    $("away-notice").hidden = !away;
    $("away-switch").textContent = ticket ? gettext("Start a chat instead") : gettext("Leave a question for email follow-up");
    $("start-title").textContent = ticket ? gettext("Leave us a question") : gettext("How can we help?");
    $("email-label").textContent = ticket ? gettext("Email") : gettext("Email (optional)");
    $("email").required = ticket;
    $("email-hint").hidden = !ticket;
    $("start-submit").textContent = ticket ? gettext("Send question") : gettext("Start chat");
    $("privacy").textContent = ticket
      ? gettext("Your questions are confidential. We only use your email to answer you.")
      : gettext("Your questions are confidential. Leave your email if you'd like a copy of the chat.");
  }

  async function loadDepartments() {
    const answer = await api.status();
    if (!answer.ok) {
      $("presence-summary").textContent = answer.data.error;
      $("presence-summary").classList.remove("visually-hidden");
      return;
    }
    departments = answer.data.departments || [];
    loaded = true;
    renderPresence();
    fillSelect();
    applyMode();
  }

  function keepFresh() {
    clearInterval(refreshTimer);
    refreshTimer = setInterval(() => {
      if (!$("start-view").hidden && document.visibilityState === "visible") {
        refused.clear();
        loadDepartments();
      }
    }, REFRESH_MS);
  }

  function check() {
    errors.clear();
    const email = $("email");
    const ticket = offline();
    let first = null;
    if (!$("question").value.trim()) first = errors.show(gettext("Please type your question."), "question");
    if (ticket && !email.value.trim()) {
      first ||= errors.show(gettext("Enter your email address, so that we can reply."), "email");
    } else if (email.value.trim() && !email.checkValidity()) {
      first ||= errors.show(gettext("Enter an email address like name@example.edu."), "email");
    }
    first?.focus();
    return !first;
  }

  function fields() {
    return {
      department: $("department").value,
      question: $("question").value.trim(),
      name: $("name").value.trim(),
      email: $("email").value.trim(),
    };
  }

  async function startChat(button) {
    const sent = { ...fields(), page_url: pageUrl() };
    const answer = await whileBusy(button, gettext("Starting…"), () => api.startChat(sent));
    if (!answer) return;
    if (answer.status === 409) {
      // Nobody is there after all: the same form now leaves the question instead.
      refused.add(sent.department);
      await loadDepartments();
      applyMode();
      $("start-title").focus();
      return;
    }
    if (!answer.ok) {
      errors.showAnswer(answer);
      return;
    }
    clearInterval(refreshTimer);
    // Back on this form after the chat, the patron asks something new; name and email stay.
    $("question").value = "";
    faq.clear();
    onChatStarted({
      id: answer.data.id,
      token: answer.data.token,
      websocket: answer.data.websocket,
      position: answer.data.position,
      question: sent.question,
      name: sent.name,
      email: sent.email,
      department: chosen()?.name || "",
    });
  }

  async function leaveQuestion(button) {
    const sent = fields();
    if (!sent.department) delete sent.department;
    const answer = await whileBusy(button, gettext("Sending…"), () => api.leaveQuestion(sent));
    if (!answer) return;
    if (!answer.ok) {
      errors.showAnswer(answer);
      return;
    }
    clearInterval(refreshTimer);
    $("question").value = "";
    $("ticket-done").textContent = format(gettext("Thanks! Your question is ticket #%(number)s; we'll reply by email."), {
      number: answer.data.number,
    });
    show("ticket-view");
  }

  function submit(event) {
    event.preventDefault();
    if (!check()) return;
    const button = $("start-submit");
    if (offline()) leaveQuestion(button);
    else startChat(button);
  }

  function updateCount() {
    const left = 4000 - $("question").value.length;
    const count = $("question-count");
    count.hidden = left > 500;
    count.textContent = format(gettext("%(left)s characters left"), { left });
  }

  $("start-form").addEventListener("submit", submit);
  $("department").addEventListener("change", () => {
    errors.clear();
    awayTicket = false;
    applyMode();
  });
  $("away-switch").addEventListener("click", () => {
    awayTicket = !awayTicket;
    errors.clear();
    applyMode();
    (awayTicket ? $("email") : $("question")).focus();
  });
  $("question").addEventListener("input", updateCount);
  $("ask-again").addEventListener("click", () => enter());

  /** Shows the start form; `notice` (a sentence) explains why the patron is back here. */
  function enter(notice = "", { focus = true } = {}) {
    errors.clear();
    refused.clear();
    if (notice) errors.show(notice);
    updateCount();
    applyMode();
    show("start-view", { focus });
    loadDepartments();
    keepFresh();
  }

  return { enter };
}
