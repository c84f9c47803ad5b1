// How a new waiting chat, a transfer request or an internal message gets noticed: a chime, a
// desktop notification, and a screen-reader announcement; each operator's Alert settings say
// which (alert-settings.js). Browsers keep audio locked until the page is clicked or typed in,
// and a notification permission prompt must come from a button, never on load.

import { gettext } from "./i18n.js";

export class Chime {
  constructor(hint) {
    this.hint = hint;
    this.context = null;
    this.enabled = true;
    const unlock = (event) => {
      this.unlock(event);
      document.removeEventListener("pointerdown", unlock, true);
      document.removeEventListener("keydown", unlock, true);
    };
    document.addEventListener("pointerdown", unlock, true);
    document.addEventListener("keydown", unlock, true);
  }

  unlock(event) {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (AudioContext) {
      if (!this.context) this.context = new AudioContext();
      this.context.resume().catch(() => {});
    }
    this.hideHint(event);
  }

  /** The "Enable sound" bar goes once the click that enabled sound is over: hidden at the press,
   * it would move the list under the pointer and the click would miss what it was aimed at. */
  hideHint(event) {
    const hide = () => setTimeout(() => (this.hint.hidden = true));
    if (event && event.type === "pointerdown") {
      document.addEventListener("pointerup", hide, { once: true, capture: true });
      document.addEventListener("pointercancel", hide, { once: true, capture: true });
    } else {
      hide();
    }
  }

  /** Sound off in Alert settings: no chime, and no hint asking for a click to enable it. */
  setEnabled(enabled) {
    this.enabled = enabled;
    const unlocked = this.context && this.context.state === "running";
    this.hint.hidden = !enabled || Boolean(unlocked) || !(window.AudioContext || window.webkitAudioContext);
  }

  /** Two soft rising tones, short enough not to startle a busy desk. */
  play() {
    const context = this.context;
    if (!this.enabled || !context || context.state !== "running") return;
    const start = context.currentTime + 0.02;
    [
      [659.25, 0],
      [880, 0.18],
    ].forEach(([frequency, offset]) => {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.45);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.5);
    });
  }
}

export class DesktopNotifications {
  constructor(button, stateText) {
    this.button = button;
    this.stateText = stateText;
    this.supported = "Notification" in window;
    button.addEventListener("click", () => this.ask());
    this.render();
  }

  async ask() {
    if (!this.supported) return;
    try {
      await Notification.requestPermission();
    } catch {
      // Old Safari only offers the callback form; the permission is read again below.
    }
    this.render();
  }

  render() {
    const permission = this.supported ? Notification.permission : "unsupported";
    this.button.hidden = permission !== "default";
    const text = {
      granted: gettext("Desktop notifications are on."),
      denied: gettext("Desktop notifications are blocked in this browser's site settings."),
      unsupported: "",
    }[permission];
    this.stateText.textContent = text || "";
    this.stateText.hidden = !text;
  }

  /**
   * One pop-up per kind of alert: a notification replaces an earlier one with the same tag, so
   * each kind has its own (an internal message must not silently replace a new chat's pop-up).
   */
  notify(title, body, onClick, tag) {
    if (!this.supported || Notification.permission !== "granted") return;
    try {
      const notification = new Notification(title, { body, tag });
      notification.addEventListener("click", () => {
        window.focus();
        notification.close();
        if (onClick) onClick();
      });
    } catch {
      // Some browsers only allow notifications from a service worker; the chime and list remain.
    }
  }
}

export class Announcer {
  constructor(region) {
    this.region = region;
  }

  /** Clearing first makes screen readers repeat an announcement identical to the last one. */
  say(text) {
    this.region.textContent = "";
    setTimeout(() => {
      this.region.textContent = text;
    }, 50);
  }
}
