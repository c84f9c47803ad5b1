// HTTP calls of the dashboard (/desk/api/... and the analytics fragment), with the CSRF token.
// Every answer comes back as {ok, status, data, error} so callers show the server's sentence.

import { gettext, interpolate } from "./i18n.js";

function csrfToken() {
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
  return input ? input.value : "";
}

async function request(url, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (options.method && options.method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options, headers });
  } catch {
    return {
      ok: false,
      status: 0,
      data: null,
      error: gettext("The desk could not be reached. Check the connection and try again."),
    };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  const error = response.ok
    ? null
    : (data && data.error) || interpolate(gettext("The desk answered with an error (%(status)s)."), { status: response.status });
  return { ok: response.ok, status: response.status, data, error };
}

export function getJson(url) {
  return request(url);
}

export function postJson(url, body) {
  const options = { method: "POST" };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  return request(url, options);
}

/** A server-rendered HTML fragment: GET it, or POST a form to it. Both 200 and 400 carry HTML. */
export async function fragment(url, formData) {
  const options = { credentials: "same-origin", headers: { Accept: "text/html" } };
  if (formData) {
    options.method = "POST";
    options.body = formData;
    options.headers["X-CSRFToken"] = csrfToken();
  }
  try {
    const response = await fetch(url, options);
    return { status: response.status, html: await response.text() };
  } catch {
    return { status: 0, html: "" };
  }
}

/** The URLs of one chat's actions, from the base path the page gives. */
export function chatEndpoints(base, chatId) {
  const root = `${base}${encodeURIComponent(chatId)}/`;
  return {
    claim: `${root}claim`,
    canned: `${root}canned`,
    end: `${root}end`,
    close: `${root}close`,
    transcript: `${root}transcript`,
    transferTargets: `${root}transfer-targets`,
    transfer: `${root}transfer`,
    reassign: `${root}reassign`,
    ban: `${root}ban`,
    patron: `${root}patron`,
    leave: `${root}leave`,
    ticket: `${root}ticket`,
  };
}

/** The URLs of transfers, internal chat, duty and supervision, from the API's base path. */
export function deskEndpoints(base) {
  const id = (value) => encodeURIComponent(value);
  return {
    accept: (transferId) => `${base}transfers/${id(transferId)}/accept`,
    decline: (transferId) => `${base}transfers/${id(transferId)}/decline`,
    internal: `${base}internal`,
    openInternal: `${base}internal/open`,
    internalMessages: (conversationId) => `${base}internal/${id(conversationId)}/messages`,
    internalRead: (conversationId) => `${base}internal/${id(conversationId)}/read`,
    duty: `${base}duty`,
    activeChats: `${base}active-chats`,
    alertPreferences: `${base}alert-preferences`,
  };
}
