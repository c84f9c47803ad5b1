// How long ago, and at what time: the only date formatting the dashboard does.

const timeOfDayFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

export function waitingFor(iso, now = Date.now()) {
  const minutes = Math.floor((now - Date.parse(iso)) / 60000);
  if (!Number.isFinite(minutes) || minutes < 1) return "<1 min";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

export function timeOfDay(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : timeOfDayFormat.format(date);
}
