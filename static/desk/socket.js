// The dashboard's one websocket: reconnects with backoff, sends heartbeats while open, and
// stops for good when the server says the user is not an operator (close code 4403).

const FORBIDDEN = 4403;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;

export class ReconnectingSocket {
  /**
   * @param {string} url  ws(s):// address
   * @param {object} handlers  onOpen(), onFrame(frame), onDown(), onForbidden()
   * @param {() => Promise<boolean>} stillAllowed  asked after a handshake that never opened
   * @param {number} heartbeatSeconds  until the snapshot names the server's interval
   */
  constructor(url, handlers, stillAllowed, heartbeatSeconds = 20) {
    this.url = url;
    this.handlers = handlers;
    this.stillAllowed = stillAllowed;
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.heartbeatTimer = null;
    this.heartbeatSeconds = heartbeatSeconds;
    this.retryTimer = null;
  }

  connect() {
    if (this.stopped) return;
    const socket = new WebSocket(this.url);
    let opened = false;
    this.socket = socket;
    socket.addEventListener("open", () => {
      opened = true;
      this.attempt = 0;
      this.startHeartbeat();
      this.handlers.onOpen();
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") this.handlers.onFrame(frame);
    });
    socket.addEventListener("close", (event) => this.closed(event.code, opened));
  }

  async closed(code, opened) {
    this.stopHeartbeat();
    this.socket = null;
    if (this.stopped) return;
    // A refused handshake reaches the browser as 1006, not 4403, so a socket that never
    // opened asks the server over HTTP whether the session is still an operator's.
    if (code === FORBIDDEN || (!opened && !(await this.stillAllowed()))) {
      this.stop();
      this.handlers.onForbidden();
      return;
    }
    this.handlers.onDown();
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter keeps a desk full of dashboards from reconnecting in lockstep after a restart.
    const delay = base * (0.75 + Math.random() * 0.5);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Sends a frame if the socket is open; false tells the caller it was not sent. */
  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  setHeartbeat(seconds) {
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds === this.heartbeatSeconds) return;
    this.heartbeatSeconds = seconds;
    if (this.heartbeatTimer) this.startHeartbeat();
  }

  startHeartbeat() {
    this.stopHeartbeat();
    // Each beat comes after 75-100 % of the interval, drawn anew: dashboards that reconnected
    // together after a restart drift apart instead of beating in lockstep, which queued fifty
    // heartbeats at once in front of the patrons' messages (docs/performance.md). Never later
    // than the interval, so the presence timeout still holds.
    const next = () => {
      this.heartbeatTimer = setTimeout(() => {
        this.send({ type: "heartbeat" });
        next();
      }, this.heartbeatSeconds * 1000 * (0.75 + Math.random() * 0.25));
    };
    next();
  }

  stopHeartbeat() {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    if (this.socket) this.socket.close();
  }
}
