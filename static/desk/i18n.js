// The staff pages' words in the operator's language. Django's JavaScript catalogue (/widget/i18n.js
// with the request's language, a classic script that templates/base.html loads before these
// modules) holds the translations; without it the desk stays in English rather than breaking.
// makemessages -d djangojs finds the strings by these function names.

const catalog = () => globalThis.django;

export function gettext(text) {
  return catalog() ? catalog().gettext(text) : text;
}

/** The catalogue knows each language's plural rule ("1 unread", "3 unread"); English is the fallback. */
export function ngettext(singular, plural, count) {
  if (catalog()) return catalog().ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Fills `%(name)s` placeholders, which keep whole sentences translatable (word order differs). */
export function interpolate(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}
