// The ticket page's action tabs (Reply, Internal note, Assign/Transfer), as the WAI-ARIA tabs
// pattern. Without this script every panel simply shows, one under the other.
const tablist = document.querySelector(".tk-tablist");

if (tablist) {
  const tabs = [...tablist.querySelectorAll("[role=tab]")];
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));

  const select = (chosen, focus = false) => {
    for (const tab of tabs) {
      const active = tab === chosen;
      tab.setAttribute("aria-selected", String(active));
      tab.tabIndex = active ? 0 : -1;
      panelOf(tab).hidden = !active;
    }
    if (focus) chosen.focus();
  };

  tablist.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (!tab) return;
    select(tab);
    const field = panelOf(tab).querySelector("textarea, select");
    if (field) field.focus();
  });

  tablist.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
  });

  const initial = tabs.find((tab) => tab.dataset.tab === tablist.dataset.active) || tabs[0];
  select(initial);

  // After an error the page comes back with the failing form's tab open: bring it into view.
  if (document.querySelector(".tk-work [role=alert]")) {
    panelOf(initial).scrollIntoView({ block: "center" });
  }
}
