// The widget's HTTP calls (docs/protocol.md, /api/widget/v1/). Every call resolves to
// {ok, status, data}; on failure data.error is a sentence for the patron and data.field, when
// present, names the form field it is about. Nothing here throws.
import { format, gettext } from "./i18n.js";

const BASE = "/api/widget/v1";
const TIMEOUT_MS = 15000;
// The patron's choice of language (the widget's switch) goes with each call, so that the
// desk's answers and errors come back in it; without it the browser's preference applies.
const LANGUAGE = new URLSearchParams(location.search).get("lang");
const UNREACHABLE = gettext("The library's chat cannot be reached. Check your connection and try again.");

async function call(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // The token is the chat's only key: it travels in this header, never in a URL.
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    const url = new URL(BASE + path, location.href);
    if (LANGUAGE) url.searchParams.set("lang", LANGUAGE);
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    return { ok: false, status: 0, data: { error: UNREACHABLE } };
  }
  let data;
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (!response.ok && typeof data.error !== "string") {
    data = { error: format(gettext("Something went wrong (error %(status)s). Please try again."), { status: response.status }) };
  }
  return { ok: response.ok, status: response.status, data };
}

const chatPath = (chat, action) => `/chats/${encodeURIComponent(chat.id)}/${action}`;

export const api = {
  status: () => call("GET", "/status"),
  startChat: (fields) => call("POST", "/chats", { body: fields }),
  leaveQuestion: (fields) => call("POST", "/tickets", { body: fields }),
  faq: (q, department) => call("GET", `/faq?${new URLSearchParams({ q, department: department || "" })}`),
  faqView: (id) => call("POST", `/faq/${encodeURIComponent(id)}/view`, { body: {} }),
  sendMessage: (chat, body) => call("POST", chatPath(chat, "messages"), { token: chat.token, body: { body } }),
  endChat: (chat) => call("POST", chatPath(chat, "end"), { token: chat.token, body: {} }),
  emailTranscript: (chat, email) => call("POST", chatPath(chat, "transcript"), { token: chat.token, body: { email } }),
  answerScreenshare: (chat, id, accept) =>
    call("POST", chatPath(chat, `screenshare/${encodeURIComponent(id)}`), { token: chat.token, body: { accept } }),
  upload: (chat, file) => upload(chat, file),
  download: (chat, id) => download(chat, id),
  rateChat: (chat, rating, comment) =>
    call("POST", chatPath(chat, "rating"), { token: chat.token, body: { rating, comment } }),
};

async function upload(chat, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  let response;
  try {
    response = await fetch(BASE + chatPath(chat, "attachments"), {
      method: "POST",
      headers: { Accept: "application/json", Authorization: `Bearer ${chat.token}` },
      body: form,
      credentials: "omit",
      signal: AbortSignal.timeout(60000),
    });
  } catch {
    return { ok: false, status: 0, data: { error: UNREACHABLE } };
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (!response.ok && typeof data.error !== "string") {
    data = { error: `The file could not be sent (error ${response.status}).` };
  }
  return { ok: response.ok, status: response.status, data };
}

/** A file of the patron's own chat as a Blob: the token goes in a header, so no plain link can fetch it. */
async function download(chat, id) {
  try {
    const response = await fetch(BASE + chatPath(chat, `attachments/${encodeURIComponent(id)}`), {
      headers: { Authorization: `Bearer ${chat.token}` },
      credentials: "omit",
      signal: AbortSignal.timeout(60000),
    });
    if (!response.ok) return { ok: false, error: "That file could not be downloaded." };
    return { ok: true, blob: await response.blob() };
  } catch {
    return { ok: false, error: UNREACHABLE };
  }
}
