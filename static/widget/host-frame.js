// Talking to embed.js on the library's page, when the widget runs in its iframe. Messages are
// tiny signals with no chat content (the host page is someone else's site), and only the page
// that framed us is listened to.

const SOURCE = "desk-service";
export const framed = window.parent !== window;

export function tellHost(type, detail = {}) {
  // The host's origin is not known here (any listed library site may embed the widget), and
  // these messages carry nothing private, so "*" is safe.
  if (framed) window.parent.postMessage({ ...detail, source: SOURCE, type }, "*");
}

/** Calls `handler(type)` for signals from the embedding page ("focus" when the window opens). */
export function onHostSignal(handler) {
  if (!framed) return;
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const data = event.data;
    if (data && data.source === SOURCE && typeof data.type === "string") handler(data.type);
  });
}
