// The dashboard's two ticket numbers (mine, unassigned in my queues): fetched on every
// (re)connect, then kept current by the server's tickets.counts events.

export class TicketCounts {
  constructor(list) {
    this.list = list;
    this.url = list.dataset.countsUrl;
  }

  async refresh() {
    try {
      const response = await fetch(this.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) this.show(await response.json());
    } catch {
      // Offline: the reconnect that follows calls refresh again.
    }
  }

  show(counts) {
    for (const key of ["mine", "unassigned"]) {
      const number = this.list.querySelector(`[data-ticket-count="${key}"]`);
      if (typeof counts[key] === "number") number.textContent = String(counts[key]);
    }
  }
}
