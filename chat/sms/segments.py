"""How many SMS segments a text takes (GSM 03.38): the count the reply box shows, on the server.

static/desk/sms-count.js applies the same rules in the browser; tests keep the two in step.
"""

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table cost two septets (an escape, then the character).
GSM_EXTENDED = set("^{}\\[~]|€\f")


def sms_length(text: str) -> tuple[str, int]:
    """("gsm", septets) when every character fits GSM-7, else ("ucs2", UTF-16 code units)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        return "gsm", sum(2 if char in GSM_EXTENDED else 1 for char in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def segment_count(text: str) -> int:
    encoding, units = sms_length(text)
    single, multi = (160, 153) if encoding == "gsm" else (70, 67)
    if units <= single:
        return 1
    return -(-units // multi)
