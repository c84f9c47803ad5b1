// The widget's words in the patron's language. Django's JavaScript catalog (/widget/i18n.js,
// a classic script that runs before these modules) defines the translations; without it the
// widget stays in English rather than breaking.

const catalog = globalThis.django;

export function gettext(text) {
  return catalog ? catalog.gettext(text) : text;
}

/** Fills `%(name)s` placeholders, which keep whole sentences translatable (word order differs). */
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}
