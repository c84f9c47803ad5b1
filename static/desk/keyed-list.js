// Updates a <ul> in place from a list of items: existing rows are reused and never moved
// needlessly, so the keyboard focus on a row's button survives a new chat arriving.

export function syncList(list, items, { key, create, update }) {
  const wanted = new Set(items.map(key));
  for (const row of [...list.children]) {
    if (!wanted.has(row.dataset.key)) removeRow(row, list);
  }
  const rows = new Map([...list.children].map((row) => [row.dataset.key, row]));
  items.forEach((item, index) => {
    let row = rows.get(key(item));
    if (!row) {
      row = create(item);
      row.dataset.key = key(item);
    }
    update(row, item);
    if (list.children[index] !== row) list.insertBefore(row, list.children[index] || null);
  });
}

/** Removing the focused row would drop focus to <body>; hand it to a neighbour or the list's heading. */
function removeRow(row, list) {
  if (row.contains(document.activeElement)) {
    const neighbour = row.nextElementSibling || row.previousElementSibling;
    const target = neighbour && neighbour.querySelector("button");
    const heading = document.getElementById(list.getAttribute("aria-labelledby"));
    if (target) target.focus();
    else if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
  row.remove();
}
