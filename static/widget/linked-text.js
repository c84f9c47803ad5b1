// Message bodies are plain text. They become text nodes, and http(s) URLs become anchors built
// node by node, so nothing a patron or operator types is ever parsed as markup. The widget keeps
// its own copy (the dashboard has one too) because it is a public, versioned contract that must
// not change when the dashboard does.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;
// Punctuation that usually ends the sentence rather than the URL.
const TRAILING = ".,;:!?)]}'\"";

const count = (text, char) => text.split(char).length - 1;

function trimUrl(candidate) {
  let url = candidate;
  while (url && TRAILING.includes(url.at(-1))) {
    // Keep a closing parenthesis that closes one inside the URL (Wikipedia's "Foo_(bar)").
    if (url.at(-1) === ")" && count(url, "(") >= count(url, ")")) break;
    url = url.slice(0, -1);
  }
  return url;
}

function isWebAddress(text) {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

export function appendLinkedText(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    if (!isWebAddress(url)) continue;
    parent.append(document.createTextNode(text.slice(last, match.index)));
    const link = document.createElement("a");
    link.href = url;
    link.textContent = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    parent.append(link);
    last = match.index + url.length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}
