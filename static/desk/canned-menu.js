// The Canned Messages menu button: a WAI-ARIA menu that opens on click, Enter, Space or the
// arrow keys, moves with the arrow keys, Home and End, and closes on Escape, Tab or a choice.

import { gettext } from "./i18n.js";

let menuCount = 0;

export class CannedMenu {
  /**
   * @param {HTMLButtonElement} button
   * @param {HTMLUListElement} menu
   * @param {{load: () => Promise<{items?: object[], error?: string}>, choose: (item) => Promise<void>}} actions
   */
  constructor(button, menu, actions) {
    this.button = button;
    this.menu = menu;
    this.actions = actions;
    this.items = null;
    this.loading = false;
    menuCount += 1;
    this.menu.id = `canned-menu-${menuCount}`;
    button.setAttribute("aria-controls", this.menu.id);
    button.addEventListener("click", () => (this.isOpen() ? this.close() : this.open(0)));
    button.addEventListener("keydown", (event) => this.onButtonKey(event));
    menu.addEventListener("keydown", (event) => this.onMenuKey(event));
    this.outside = (event) => {
      if (!this.menu.contains(event.target) && !this.button.contains(event.target)) this.close(false);
    };
  }

  isOpen() {
    return !this.menu.hidden;
  }

  async open(focusIndex) {
    // A second Enter while the list is still loading would otherwise load it twice and open it twice.
    if (this.loading) return;
    if (this.items === null) {
      this.loading = true;
      const { items, error } = await this.actions.load().finally(() => {
        this.loading = false;
      });
      if (error) {
        this.renderMessage(error);
      } else {
        this.items = items;
        this.render();
      }
    }
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", this.outside, true);
    const entries = this.entries();
    if (entries.length) entries[(focusIndex + entries.length) % entries.length].focus();
  }

  close(returnFocus = true) {
    if (!this.isOpen()) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.outside, true);
    if (returnFocus) this.button.focus();
  }

  entries() {
    return [...this.menu.querySelectorAll('[role="menuitem"]')];
  }

  render() {
    this.menu.replaceChildren();
    if (!this.items.length) {
      this.renderMessage(gettext("No canned messages for this department yet."));
      return;
    }
    this.items.forEach((item, index) => {
      const entry = document.createElement("li");
      entry.setAttribute("role", "menuitem");
      entry.tabIndex = -1;
      const title = document.createElement("span");
      title.className = "canned-title";
      title.id = `${this.menu.id}-title-${index}`;
      title.textContent = item.title;
      const preview = document.createElement("span");
      preview.className = "canned-preview";
      preview.id = `${this.menu.id}-preview-${index}`;
      preview.textContent = item.preview;
      entry.setAttribute("aria-labelledby", title.id);
      entry.setAttribute("aria-describedby", preview.id);
      entry.append(title, preview);
      if (item.department) {
        const scope = document.createElement("span");
        scope.className = "canned-scope";
        scope.textContent = item.department;
        entry.append(scope);
      }
      entry.addEventListener("click", () => this.choose(item));
      this.menu.append(entry);
    });
  }

  renderMessage(text) {
    const note = document.createElement("li");
    note.setAttribute("role", "none");
    note.className = "canned-empty";
    note.textContent = text;
    this.menu.replaceChildren(note);
  }

  /** Focus leaves the menu button at once, so the keyup of a Space choice cannot reopen it. */
  async choose(item) {
    this.close(false);
    await this.actions.choose(item);
  }

  onButtonKey(event) {
    // Opening on keydown (and cancelling the native click that would follow) keeps the same
    // key press from also landing on the first item once focus has moved into the menu.
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (this.isOpen()) this.close();
      else this.open(0);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      this.open(0);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      this.open(-1);
    }
  }

  onMenuKey(event) {
    const entries = this.entries();
    const index = entries.indexOf(document.activeElement);
    const move = (to) => {
      event.preventDefault();
      if (entries.length) entries[(to + entries.length) % entries.length].focus();
    };
    switch (event.key) {
      case "ArrowDown":
        return move(index + 1);
      case "ArrowUp":
        return move(index - 1);
      case "Home":
        return move(0);
      case "End":
        return move(entries.length - 1);
      case "Escape":
        event.preventDefault();
        return this.close();
      case "Tab":
        return this.close(false);
      case "Enter":
      case " ":
        event.preventDefault();
        if (index >= 0) this.choose(this.items[index]);
        return undefined;
      default:
        return undefined;
    }
  }
}
