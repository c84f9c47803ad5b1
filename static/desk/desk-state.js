// What the dashboard knows: the waiting queue, my chats, and each chat's messages by id.
// Messages are keyed by their id, so a message delivered twice (live and by sync) is kept once.

const byTime = (field) => (a, b) => String(a[field] || a.created_at).localeCompare(String(b[field] || b.created_at));

export class DeskState {
  constructor() {
    this.me = null;
    this.queue = new Map();
    this.chats = new Map();
    this.messages = new Map();
    this.unread = new Map();
    this.departments = [];
  }

  replaceQueue(summaries) {
    const before = new Set(this.queue.keys());
    this.queue = new Map(summaries.map((chat) => [chat.id, chat]));
    return summaries.filter((chat) => !before.has(chat.id));
  }

  addToQueue(chat) {
    const isNew = !this.queue.has(chat.id);
    this.queue.set(chat.id, chat);
    return isNew;
  }

  removeFromQueue(chatId) {
    return this.queue.delete(chatId);
  }

  waiting() {
    return [...this.queue.values()].sort(byTime("created_at"));
  }

  replaceChats(summaries) {
    const keep = new Set(summaries.map((chat) => chat.id));
    for (const id of this.chats.keys()) if (!keep.has(id)) this.removeChat(id);
    summaries.forEach((chat) => this.upsertChat(chat));
  }

  /** Keeps what this tab learnt on its own (a saved analytics form) when the server's summary is older. */
  upsertChat(summary) {
    const known = this.chats.get(summary.id);
    const chat = { ...known, ...summary };
    if (known && known.has_interaction) chat.has_interaction = true;
    // Events about one chat do not look its ticket up; a chat never stops being a ticket.
    if (known && known.ticket && !chat.ticket) chat.ticket = known.ticket;
    this.chats.set(summary.id, chat);
    if (!this.messages.has(summary.id)) this.messages.set(summary.id, new Map());
    return chat;
  }

  updateChat(chatId, changes) {
    const chat = this.chats.get(chatId);
    if (!chat) return null;
    Object.assign(chat, changes);
    return chat;
  }

  removeChat(chatId) {
    this.chats.delete(chatId);
    this.messages.delete(chatId);
    this.unread.delete(chatId);
  }

  myChats() {
    return [...this.chats.values()].sort(byTime("claimed_at"));
  }

  /** Chats I own: those I stayed in after transferring them are someone else's to end or transfer. */
  ownedChats() {
    return this.myChats().filter((chat) => this.owns(chat));
  }

  owns(chat) {
    return Boolean(chat && this.me && chat.operator_id === this.me.id);
  }

  /** Stores a message of one of my chats; false when it is not mine or already known. */
  addMessage(message) {
    const messages = this.messages.get(message.chat);
    if (!messages || messages.has(message.id)) return false;
    messages.set(message.id, message);
    return true;
  }

  messagesOf(chatId) {
    return [...(this.messages.get(chatId) || new Map()).values()].sort((a, b) => a.id - b.id);
  }

  lastMessageId(chatId) {
    let last = 0;
    for (const id of (this.messages.get(chatId) || new Map()).keys()) last = Math.max(last, id);
    return last;
  }

  markUnread(chatId) {
    this.unread.set(chatId, (this.unread.get(chatId) || 0) + 1);
  }

  markRead(chatId) {
    this.unread.delete(chatId);
  }
}
