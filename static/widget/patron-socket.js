// The patron's websocket (docs/protocol.md). The first frame authenticates (the token never goes
// in a URL); every (re)connect asks for what came after the last message seen, so a dropped
// connection loses nothing, and the widget drops any message id it already shows.

const CHAT_GONE = 4401; // unknown chat or wrong token: reconnecting cannot help
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;

export class PatronSocket {
  /**
   * @param {{websocket: string, token: string}} chat
   * @param {{after: () => number|null, onFrame: Function, onUp: Function, onDown: Function, onGone: Function}} hooks
   */
  constructor(chat, hooks) {
    this.chat = chat;
    this.hooks = hooks;
    this.attempt = 0;
    this.socket = null;
    this.retryTimer = null;
    this.stopped = false;
    this.down = false;
    this.ready = false; // authenticated: frames other than auth are accepted
    this.retryNow = () => {
      if (this.retryTimer) this.reconnect();
    };
    // A laptop waking up or a phone back in coverage: try at once rather than wait out the backoff.
    window.addEventListener("online", this.retryNow);
  }

  connect() {
    if (this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}${this.chat.websocket}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth", token: this.chat.token, after: this.hooks.after() || null }));
    });
    socket.addEventListener("message", (event) => this.received(event.data));
    socket.addEventListener("close", (event) => {
      if (this.socket === socket) this.closed(event.code);
    });
  }

  received(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    if (frame.type === "authenticated") {
      this.attempt = 0;
      this.ready = true;
      this.down = false;
      this.beat(frame.heartbeat_seconds);
      this.hooks.onUp();
    }
    this.hooks.onFrame(frame);
  }

  /** While the tab is open the desk hears from it, so a waiting chat is not ended as abandoned. */
  beat(seconds) {
    clearInterval(this.beatTimer);
    if (seconds > 0) this.beatTimer = setInterval(() => this.send({ type: "heartbeat" }), seconds * 1000);
  }

  closed(code) {
    clearInterval(this.beatTimer);
    this.socket = null;
    this.ready = false;
    if (this.stopped) return;
    if (code === CHAT_GONE) {
      this.stop();
      this.hooks.onGone();
      return;
    }
    if (!this.down) {
      this.down = true;
      this.hooks.onDown();
    }
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter, so that a server restart is not followed by every patron reconnecting at once.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => this.reconnect(), delay);
  }

  reconnect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Sends a frame when the socket is open and authenticated; false otherwise. */
  send(frame) {
    if (!this.ready || this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  stop() {
    clearInterval(this.beatTimer);
    this.stopped = true;
    this.ready = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    window.removeEventListener("online", this.retryNow);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
  }
}
