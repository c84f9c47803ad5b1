// The first screen: who is online, and one form that starts a chat, or, when nobody in the chosen
// department is online (or the desk answers 409), leaves the question as a ticket for an email
// reply. One form for both, so what the patron typed stays put when it changes mode.

import { initFaqSuggestions } from "./faq-suggestions.js";
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

export function initStartView({ show, onChatStarted }) {
  const errors = formFeedback("start-error", "");
  const faq = initFaqSuggestions();
  let departments = [];
  let loaded = false;
  let refreshTimer = null;
  // Departments the desk just refused a chat for (409), even if the last status said online.
  const refused = new Set();
  const wanted = params.get("department") || "";

  const isOnline = (department) => department.online && !refused.has(department.slug);
  const chosen = () => departments.find((d) => d.slug === $("department").value);
  // Until the status has loaded nothing is known, so the form offers a chat and the desk decides.
  const offline = () => refused.has($("department").value) || (loaded && !(chosen() && isOnline(chosen())));

  function fillSelect() {
    const select = $("department");
    const current = select.value || wanted;
    select.replaceChildren();
    for (const department of departments) {
      const option = document.createElement("option");
      option.value = department.slug;
      option.textContent = isOnline(department) ? department.name : `${department.name} (offline)`;
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
      const word = isOnline(department) ? statusWord(department) : "Offline";
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
    const online = departments.filter(isOnline).map((d) => d.name);
    $("presence-summary").textContent = online.length
      ? `Online now: ${listNames(online)}.`
      : "No department has a librarian online at the moment.";
    // The list already says who is online in words; the sentence is for screen readers.
    $("presence-summary").classList.add("visually-hidden");
    $("tagline").textContent = online.length ? "Librarians are online" : "Leave us a question";
  }

  /** Chat mode or ticket mode, following the chosen department. */
  function applyMode() {
    const ticket = offline();
    $("start-form").dataset.mode = ticket ? "ticket" : "chat";
    $("offline-notice").hidden = !ticket;
    $("start-title").textContent = ticket ? "Leave us a question" : "How can we help?";
    $("email-label").textContent = ticket ? "Email" : "Email (optional)";
    $("email").required = ticket;
    $("email-hint").hidden = !ticket;
    $("start-submit").textContent = ticket ? "Send question" : "Start chat";
    $("privacy").textContent = ticket
      ? "Your questions are confidential. We only use your email to answer you."
      : "Your questions are confidential. Leave your email if you'd like a copy of the chat.";
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
    if (!$("question").value.trim()) first = errors.show("Please type your question.", "question");
    if (ticket && !email.value.trim()) {
      first ||= errors.show("Enter your email address, so that we can reply.", "email");
    } else if (email.value.trim() && !email.checkValidity()) {
      first ||= errors.show("Enter an email address like name@example.edu.", "email");
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
    const answer = await whileBusy(button, "Starting…", () => api.startChat(sent));
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
    const answer = await whileBusy(button, "Sending…", () => api.leaveQuestion(sent));
    if (!answer) return;
    if (!answer.ok) {
      errors.showAnswer(answer);
      return;
    }
    clearInterval(refreshTimer);
    $("question").value = "";
    $("ticket-done").textContent = `Thanks! Your question is ticket #${answer.data.number}; we'll reply by email.`;
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
    count.textContent = `${left} characters left`;
  }

  $("start-form").addEventListener("submit", submit);
  $("department").addEventListener("change", () => {
    errors.clear();
    applyMode();
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
