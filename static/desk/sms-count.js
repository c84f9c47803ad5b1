// SMS segment rules (GSM 03.38), the same as chat/sms/segments.py: GSM-7 texts fit 160 characters in
// one segment and 153 per segment beyond; anything else goes UCS-2, 70 and 67 UTF-16 units.

import { gettext, interpolate, ngettext } from "./i18n.js";

const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENDED = new Set("^{}\\[~]|€\f");

export function smsLength(text) {
  const chars = [...text];
  if (chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENDED.has(c))) {
    return { encoding: "gsm", units: chars.reduce((n, c) => n + (GSM_EXTENDED.has(c) ? 2 : 1), 0) };
  }
  return { encoding: "ucs2", units: text.length };
}

export function segmentCount(text) {
  const { encoding, units } = smsLength(text);
  const [single, multi] = encoding === "gsm" ? [160, 153] : [70, 67];
  return units <= single ? 1 : Math.ceil(units / multi);
}

function singleTextLimit(encoding) {
  return encoding === "gsm" ? 160 : 70;
}

/** Longer than one text: the counter turns red and says so in words (colour is never the only sign). */
export function isOverOneText(text) {
  const { encoding, units } = smsLength(text);
  return units > singleTextLimit(encoding);
}

/** "42 / 160", and the segments a longer reply takes. */
export function smsCountText(text) {
  const { encoding, units } = smsLength(text);
  const limit = singleTextLimit(encoding);
  const segments = segmentCount(text);
  const count = encoding === "gsm" ? "%(units)s / %(limit)s" : gettext("%(units)s / %(limit)s (special characters: 70 per text)");
  const parts = [
    interpolate(count, { units, limit }),
    interpolate(ngettext("%(count)s SMS segment", "%(count)s SMS segments", segments), { count: segments }),
  ];
  if (units > limit) {
    const over = ngettext(
      "Over %(limit)s: the patron gets %(count)s text",
      "Over %(limit)s: the patron gets %(count)s texts",
      segments,
    );
    parts.push(interpolate(over, { limit, count: segments }));
  }
  return parts.join(" · ");
}
