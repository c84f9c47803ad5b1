// The first screens: who is online, the form that starts a chat, and, when nobody in the chosen
// department is online, the form that leaves the question as a ticket for an email reply.

import { formFeedback, whileBusy } from "./form-feedback.js";
import { api } from "./widget-api.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 30000;
const params = new URLSearchParams(location.search);

function statusWord(department) {
  if (!department.online) return "Offline";
  return department.away ? "Away" : "Online";
}

function listNames(names) {
  if (names.length < 2) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
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

function emailLooksValid(input) {
  return input.value.trim() === "" || input.checkValidity();
}

export function initStartView({ show, onChatStarted }) {
  const startErrors = formFeedback("start-error", "");
  const offlineErrors = formFeedback("offline-error", "offline-");
  let departments = [];
  let refreshTimer = null;
  const wanted = params.get("department") || "";

  function fillSelect(select, { markOffline }) {
    const current = select.value || wanted;
    select.replaceChildren();
    for (const department of departments) {
      const option = document.createElement("option");
      option.value = department.slug;
      option.textContent = markOffline && !department.online ? `${department.name} (offline)` : department.name;
      select.append(option);
    }
    const fallback = departments.find((d) => d.online) || departments[0];
    select.value = departments.some((d) => d.slug === current) ? current : fallback?.slug || "";
  }

  function renderPresence() {
    const list = $("presence-list");
    list.replaceChildren();
    for (const department of departments) {
      const item = document.createElement("li");
      const word = statusWord(department);
      item.className = `presence-item ${word.toLowerCase()}`;
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
    const online = departments.filter((d) => d.online).map((d) => d.name);
    $("presence-summary").textContent = online.length
      ? `Online now: ${listNames(online)}.`
      : "Nobody is online right now. Leave your question and we'll reply by email.";
    // The list already says who is online; the sentence stays for screen readers, or when nobody is.
    $("presence-summary").classList.toggle("visually-hidden", online.length > 0);
    $("tagline").textContent = online.length ? "Librarians are online" : "Leave us a question";
  }

  function chosen() {
    return departments.find((d) => d.slug === $("department").value);
  }

  function describeChoice() {
    const department = chosen();
    const hint = $("department-hint");
    hint.hidden = !department || department.online;
    hint.textContent = department
      ? `Nobody in ${department.name} is online right now. You can leave your question and we'll reply by email.`
      : "";
  }

  async function loadDepartments() {
    const answer = await api.status();
    if (!answer.ok) {
      $("presence-summary").textContent = answer.data.error;
      return;
    }
    departments = answer.data.departments || [];
    renderPresence();
    fillSelect($("department"), { markOffline: true });
    fillSelect($("offline-department"), { markOffline: false });
    describeChoice();
  }

  function keepFresh() {
    clearInterval(refreshTimer);
    refreshTimer = setInterval(() => {
      if (!$("start-view").hidden && document.visibilityState === "visible") loadDepartments();
    }, REFRESH_MS);
  }

  function offerTicket(department) {
    $("offline-reason").textContent = department
      ? `Nobody in ${department.name} is online right now. Leave your question and we'll reply by email.`
      : "Nobody is online right now. Leave your question and we'll reply by email.";
    if (department) $("offline-department").value = department.slug;
    $("offline-question").value = $("question").value;
    $("offline-email").value = $("email").value;
    $("offline-name").value = $("name").value;
    offlineErrors.clear();
    $("offline-ask").hidden = false;
    $("offline-done").hidden = true;
    show("offline-view");
  }

  function checkStartForm() {
    startErrors.clear();
    let first = null;
    if (!$("question").value.trim()) first = startErrors.show("Please type your question.", "question");
    if (!emailLooksValid($("email"))) {
      const field = startErrors.show("Enter an email address like name@example.edu, or leave it empty.", "email");
      first ||= field;
    }
    first?.focus();
    return !first;
  }

  async function startChat(event) {
    event.preventDefault();
    if (!checkStartForm()) return;
    const department = chosen();
    if (department && !department.online) {
      offerTicket(department);
      return;
    }
    const fields = {
      department: $("department").value,
      question: $("question").value.trim(),
      name: $("name").value.trim(),
      email: $("email").value.trim(),
      page_url: pageUrl(),
    };
    const answer = await whileBusy(event.submitter || $("start-form").querySelector("button"), "Starting…", () =>
      api.startChat(fields),
    );
    if (!answer) return;
    if (answer.status === 409) {
      await loadDepartments();
      offerTicket(department);
      return;
    }
    if (!answer.ok) {
      startErrors.showAnswer(answer);
      return;
    }
    onChatStarted({
      id: answer.data.id,
      token: answer.data.token,
      websocket: answer.data.websocket,
      position: answer.data.position,
      question: fields.question,
      name: fields.name,
      email: fields.email,
      department: department?.name || "",
    });
  }

  function checkOfflineForm() {
    offlineErrors.clear();
    let first = null;
    if (!$("offline-question").value.trim()) first = offlineErrors.show("Please type your question.", "question");
    const email = $("offline-email");
    if (!email.value.trim()) {
      first ||= offlineErrors.show("Enter your email address, so that we can reply.", "email");
    } else if (!emailLooksValid(email)) {
      first ||= offlineErrors.show("Enter an email address like name@example.edu.", "email");
    }
    first?.focus();
    return !first;
  }

  async function leaveQuestion(event) {
    event.preventDefault();
    if (!checkOfflineForm()) return;
    const fields = {
      department: $("offline-department").value || undefined,
      question: $("offline-question").value.trim(),
      email: $("offline-email").value.trim(),
      name: $("offline-name").value.trim(),
    };
    const answer = await whileBusy(event.submitter || $("offline-form").querySelector("button"), "Sending…", () =>
      api.leaveQuestion(fields),
    );
    if (!answer) return;
    if (!answer.ok) {
      offlineErrors.showAnswer(answer);
      return;
    }
    $("offline-ask").hidden = true;
    $("offline-done-text").textContent = `Thanks! Your question is ticket #${answer.data.number}; we'll reply by email.`;
    $("offline-done").hidden = false;
    $("offline-title").textContent = "Your question is on its way";
    $("offline-title").focus();
    $("start-form").reset();
    $("offline-form").reset();
  }

  function updateCount() {
    const left = 4000 - $("question").value.length;
    const count = $("question-count");
    count.hidden = left > 500;
    count.textContent = `${left} characters left`;
  }

  $("start-form").addEventListener("submit", startChat);
  $("department").addEventListener("change", describeChoice);
  $("question").addEventListener("input", updateCount);
  $("offline-form").addEventListener("submit", leaveQuestion);
  $("offline-back").addEventListener("click", () => {
    $("question").value = $("offline-question").value;
    show("start-view");
  });
  $("offline-again").addEventListener("click", () => enter());

  /** Shows the start form; `notice` (a sentence) explains why the patron is back here. */
  function enter(notice = "", { focus = true } = {}) {
    startErrors.clear();
    if (notice) startErrors.show(notice);
    $("offline-title").textContent = "Nobody is online right now";
    show("start-view", { focus });
    loadDepartments();
    keepFresh();
  }

  return { enter };
}
