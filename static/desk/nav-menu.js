// The top bar's Answers menu (templates/base.html), LibAnswers' "Answers > Create" of the manuals:
// a disclosure button and a list of links. Escape closes it and gives the focus back to the
// button; a click or the focus moving elsewhere closes it too.

for (const menu of document.querySelectorAll("[data-nav-menu]")) {
  const button = menu.querySelector("button");
  const list = menu.querySelector("ul");
  const isOpen = () => button.getAttribute("aria-expanded") === "true";
  const show = (open) => {
    button.setAttribute("aria-expanded", String(open));
    list.hidden = !open;
  };

  button.addEventListener("click", () => show(!isOpen()));
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      show(false);
      button.focus();
    }
  });
  menu.addEventListener("focusout", (event) => {
    if (isOpen() && event.relatedTarget && !menu.contains(event.relatedTarget)) show(false);
  });
  document.addEventListener("click", (event) => {
    if (isOpen() && !menu.contains(event.target)) show(false);
  });
}
