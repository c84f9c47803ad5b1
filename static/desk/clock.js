// How long ago, and at what time: the only date formatting the dashboard does.

import { gettext, interpolate } from "./i18n.js";

const timeOfDayFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

export function waitingFor(iso, now = Date.now()) {
  const minutes = Math.floor((now - Date.parse(iso)) / 60000);
  if (!Number.isFinite(minutes) || minutes < 1) return gettext("<1 min");
  if (minutes < 60) return interpolate(gettext("%(minutes)s min"), { minutes });
  const hours = Math.floor(minutes / 60);
  return interpolate(gettext("%(hours)s h %(minutes)s min"), { hours, minutes: minutes % 60 });
}

export function timeOfDay(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : timeOfDayFormat.format(date);
}
