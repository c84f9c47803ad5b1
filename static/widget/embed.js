// The one script a library pastes into its pages:
//   <script src="https://desk.example.edu/static/widget/embed.js" async></script>
// (optionally with data-department="slug"). It adds an "Ask a Librarian" button that opens the
// chat in an iframe served from the desk's own origin. The button's words and colour are the
// ones the supervisor set in the admin (GET /api/widget/v1/launcher), else its own. Everything
// lives in a shadow root, so the host page's styles never reach the button and ours never reach
// the page; nothing is left on window.
(() => {
  "use strict";

  const script = document.currentScript || document.querySelector('script[src*="/widget/embed"]');
  // Pasted twice, or a copy of the script without its tag: one launcher is enough.
  if (!script || document.querySelector("[data-desk-service-widget]")) return;

  const desk = new URL(script.src, document.baseURI).origin;
  const department = script.getAttribute("data-department") || "";
  // This script runs on the library's page before anything is fetched from the desk, so its two
  // phrases travel with it, in the widget's languages, picked like the widget's own language.
  const WORDS = {
    en: { label: "Ask a Librarian", title: "Library chat" },
    es: { label: "Pregunte a un bibliotecario", title: "Chat de la biblioteca" },
  };
  // The language the patron chose in the widget, kept on this site across its pages and visits
  // (the frame is rebuilt on every page, and would otherwise start again from the browser's).
  const LANGUAGE_KEY = "desk-service-widget-lang";
  const LANGUAGE = /^[a-z]{2}$/;
  const chosenLanguage = () => {
    try {
      const value = localStorage.getItem(LANGUAGE_KEY) || "";
      return LANGUAGE.test(value) ? value : "";
    } catch {
      return "";
    }
  };
  const language = chosenLanguage() || (navigator.language || "en").slice(0, 2).toLowerCase();
  const words = WORDS[language] || WORDS.en;
  const OPEN_KEY = "desk-service-widget-open";
  const SIGNAL = "desk-service";
  const DEFAULT_COLOUR = "#1d4ed8";
  const COLOUR = /^#[0-9a-fA-F]{6}$/;
  // A slow or unreachable desk must not keep the button off the page for long.
  const SETTINGS_TIMEOUT_MS = 3000;

  const css = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .launcher {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483646;
      display: inline-flex; align-items: center; gap: 10px; margin: 0;
      padding: 13px 20px 13px 16px; border: 2px solid #fff; border-radius: 999px; cursor: pointer;
      font: 600 16px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
      letter-spacing: normal; text-transform: none; color: #fff; background: var(--launcher-colour, #1d4ed8);
      box-shadow: 0 8px 24px rgba(15, 23, 42, .28);
    }
    /* Darker on hover whatever the library's colour: a shade over it, the text stays white. */
    .launcher:hover { background-image: linear-gradient(rgba(0, 0, 0, .18), rgba(0, 0, 0, .18)); }
    /* Visible on any page colour: a dark ring between two white ones. */
    .launcher:focus-visible { outline: 3px solid #0f172a; outline-offset: 2px; box-shadow: 0 0 0 7px #fff; }
    .launcher svg { width: 22px; height: 22px; flex: none; }
    .launcher .when-open { display: none; }
    .launcher[aria-expanded="true"] .when-open { display: block; }
    .launcher[aria-expanded="true"] .when-closed { display: none; }
    .badge {
      position: absolute; top: -3px; right: -3px; width: 16px; height: 16px; border-radius: 50%;
      background: #dc2626; border: 2px solid #fff;
    }
    .badge[hidden], .frame[hidden] { display: none; }
    .hidden-text {
      position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0;
    }
    .frame {
      position: fixed; right: 20px; bottom: 92px; z-index: 2147483647;
      width: 380px; height: 600px; max-width: calc(100vw - 40px); max-height: calc(100vh - 112px);
      margin: 0; padding: 0; border: 0; border-radius: 16px; background: #fff;
      box-shadow: 0 16px 48px rgba(15, 23, 42, .32), 0 0 0 1px rgba(15, 23, 42, .08);
      color-scheme: light;
    }
    @media (max-width: 479.98px) {
      .launcher { right: 12px; bottom: 12px; }
      /* On a phone the chat takes the whole screen; its own header has the close button. */
      .frame { inset: 0; width: 100%; height: 100%; max-width: none; max-height: none; border-radius: 0; }
      .launcher[aria-expanded="true"] { display: none; }
    }
  `;

  const SVG = "http://www.w3.org/2000/svg";
  function icon(className, paths) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", className);
    for (const d of paths) {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("stroke-linejoin", "round");
      svg.append(path);
    }
    return svg;
  }

  function remember(open) {
    try {
      if (open) sessionStorage.setItem(OPEN_KEY, "1");
      else sessionStorage.removeItem(OPEN_KEY);
    } catch {
      // Storage blocked: the window just will not reopen by itself after a reload.
    }
  }

  function wasOpen() {
    try {
      return sessionStorage.getItem(OPEN_KEY) === "1";
    } catch {
      return false;
    }
  }

  // Old browsers without constructed stylesheets: the essentials as element.style properties,
  // which a CSP that forbids inline styles still allows (it blocks only style attributes and <style>).
  function applyFallbackStyles(button, frame, colour) {
    const font = '600 16px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
    Object.assign(button.style, {
      position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483646", padding: "13px 20px",
      border: "2px solid #fff", borderRadius: "999px", font, color: "#fff", background: colour, cursor: "pointer",
    });
    for (const svg of button.querySelectorAll("svg")) svg.style.display = "none";
    if (!frame) return;
    const phone = window.matchMedia("(max-width: 479.98px)").matches;
    Object.assign(frame.style, {
      position: "fixed", zIndex: "2147483647", border: "0", background: "#fff",
      boxShadow: "0 16px 48px rgba(15, 23, 42, .32)",
      ...(phone
        ? { inset: "0", width: "100%", height: "100%" }
        : { right: "20px", bottom: "92px", width: "380px", height: "600px", maxWidth: "calc(100vw - 40px)",
            maxHeight: "calc(100vh - 112px)", borderRadius: "16px" }),
    });
  }

  function rememberLanguage(value) {
    try {
      localStorage.setItem(LANGUAGE_KEY, value);
    } catch {
      // Storage blocked: the next page starts in the browser's language again.
    }
  }

  /** The admin's label and colour ({label, colour}), or null: the button then uses its own. */
  function loadSettings() {
    const url = new URL("/api/widget/v1/launcher", desk);
    url.searchParams.set("lang", language);
    const answer = fetch(url.href, { credentials: "omit" })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), SETTINGS_TIMEOUT_MS));
    return Promise.race([answer, timeout]);
  }

  function mount(settings) {
    // Two copies of the script both waited for the settings: the first one mounts.
    if (document.querySelector("[data-desk-service-widget]")) return;
    // The page's own data-label wins, then the admin's words, then the widget's.
    const adminLabel = settings && typeof settings.label === "string" ? settings.label : "";
    const label = script.getAttribute("data-label") || adminLabel || words.label;
    const colour = settings && COLOUR.test(settings.colour || "") ? settings.colour : DEFAULT_COLOUR;
    let styled = true;
    const host = document.createElement("div");
    host.setAttribute("data-desk-service-widget", "");
    // Open, so assistive technology and test tools reach the button; the isolation is the same.
    const root = host.attachShadow({ mode: "open" });
    // A constructed sheet is not an inline <style>, so a host page whose CSP forbids inline
    // styles still shows the button. Every browser the desk supports has them; without them the
    // launcher falls back to the few properties set on the elements below.
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } else {
      styled = false;
    }

    const button = document.createElement("button");
    button.type = "button";
    button.className = "launcher";
    // Checked above: only ever "#" and six hex digits reach the style.
    button.style.setProperty("--launcher-colour", colour);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "desk-service-frame");
    const text = document.createElement("span");
    text.textContent = label;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.hidden = true;
    const badgeText = document.createElement("span");
    badgeText.className = "hidden-text";
    button.append(
      icon("when-closed", ["M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z", "M8.5 12h.01M12 12h.01M15.5 12h.01"]),
      icon("when-open", ["M6 9l6 6 6-6"]),
      text,
      badgeText,
      badge,
    );

    let frame = null;
    let frameLoaded = false;
    let focusWhenLoaded = false;

    function signalFrame(type) {
      frame.contentWindow?.postMessage({ source: SIGNAL, type }, desk);
    }

    function createFrame() {
      frame = document.createElement("iframe");
      frame.id = "desk-service-frame";
      frame.className = "frame";
      frame.title = words.title;
      const src = new URL("/widget/", desk);
      if (department) src.searchParams.set("department", department);
      const chosen = chosenLanguage();
      if (chosen) src.searchParams.set("lang", chosen);
      // Which page the patron asked from helps the librarian; the query (search terms) stays private.
      src.searchParams.set("page", location.origin + location.pathname);
      frame.src = src.href;
      frame.addEventListener("load", () => {
        frameLoaded = true;
        if (focusWhenLoaded) signalFrame("focus");
        focusWhenLoaded = false;
      });
      root.append(frame);
      if (!styled) applyFallbackStyles(button, frame, colour);
    }

    function setUnread(unread) {
      badge.hidden = !unread;
      badgeText.textContent = unread ? ", new message" : "";
    }

    function open({ focus }) {
      if (!frame) createFrame();
      frame.hidden = false;
      button.setAttribute("aria-expanded", "true");
      setUnread(false);
      remember(true);
      if (!focus) return;
      frame.focus();
      if (frameLoaded) signalFrame("focus");
      else focusWhenLoaded = true;
    }

    function close({ focus }) {
      if (frame) frame.hidden = true;
      button.setAttribute("aria-expanded", "false");
      remember(false);
      if (focus) button.focus();
    }

    button.addEventListener("click", () => {
      if (button.getAttribute("aria-expanded") === "true") close({ focus: true });
      else open({ focus: true });
    });

    // Signals from our own frame only: "close" from its close button or Escape, "message" when a
    // librarian writes (a badge on the button if the window is closed), "language" when the
    // patron chose one (the next page's frame opens in it).
    window.addEventListener("message", (event) => {
      if (!frame || event.source !== frame.contentWindow || event.origin !== desk) return;
      const data = event.data;
      if (!data || data.source !== SIGNAL) return;
      if (data.type === "close") close({ focus: true });
      else if (data.type === "message" && frame.hidden) setUnread(true);
      else if (data.type === "language" && LANGUAGE.test(data.lang || "")) rememberLanguage(data.lang);
    });

    if (!styled) applyFallbackStyles(button, null, colour);
    root.append(button);
    document.body.append(host);
    // The patron moved to another page of the site mid-chat: bring the window back as it was.
    if (wasOpen()) open({ focus: false });
  }

  const settings = loadSettings();
  const start = () => settings.then(mount);
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
