// The chat in progress lives in sessionStorage, so reloading the page (or moving to another
// page of the library's site in the same tab) resumes it, and closing the tab forgets it.

const KEY = "desk-service:chat";

export function loadChat() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return saved && typeof saved.id === "string" && typeof saved.token === "string" ? saved : null;
  } catch {
    return null;
  }
}

export function saveChat(chat) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(chat));
  } catch {
    // Storage may be full or blocked (private windows, third-party frames): the chat still
    // works, it just will not survive a reload.
  }
}

export function forgetChat() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored, nothing to forget.
  }
}
