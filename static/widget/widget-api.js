// The widget's HTTP calls (docs/protocol.md, /api/widget/v1/). Every call resolves to
// {ok, status, data}; on failure data.error is a sentence for the patron and data.field, when
// present, names the form field it is about. Nothing here throws.

const BASE = "/api/widget/v1";
const TIMEOUT_MS = 15000;
const UNREACHABLE = "The library's chat cannot be reached. Check your connection and try again.";

async function call(method, path, { body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // The token is the chat's only key: it travels in this header, never in a URL.
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(BASE + path, {
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
    data = { error: `Something went wrong (error ${response.status}). Please try again.` };
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
  rateChat: (chat, rating, comment) =>
    call("POST", chatPath(chat, "rating"), { token: chat.token, body: { rating, comment } }),
};
