"""Accessibility checks for the browser tests: axe-core scans and keyboard-only navigation.

axe-core is vendored from its npm package (tests/vendor/axe-core, MPL-2.0) because browsers and
packages cannot be fetched at test time; it is test tooling and never served to users.
"""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()

# WCAG 2.1 A/AA rules only: the law libraries must meet (Section 508 refers to WCAG 2.0 AA).
AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""

BLOCKING = {"serious", "critical"}


def axe_violations(target):
    """Runs axe-core in a page or frame (`page.main_frame`, `frame_locator(...).owner` won't do:
    pass a `Frame`) and returns its violations."""
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.evaluate(AXE_SOURCE)
    return target.evaluate(AXE_RUN)


def assert_accessible(target, where):
    """Fails on any serious or critical WCAG violation, listing each with the elements it hit."""
    blocking = [v for v in axe_violations(target) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core found serious accessibility violations on {where}:\n" + "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} at {v['nodes']}" for v in blocking
    )


FOCUS_STATE = """(el) => {
  const doc = el.ownerDocument;
  // Inside a shadow root (the widget's launcher) the root, not the document, knows the focus.
  if (el !== el.getRootNode().activeElement || !doc.hasFocus()) return null;
  const style = doc.defaultView.getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  return { visible: outline || ring };
}"""


def tab_to(page, locator, *, limit=60, backwards=False):
    """Presses Tab (as a keyboard user would) until `locator` has focus; fails if it never does
    within `limit` presses or if the focused element shows no focus indicator."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        state = locator.evaluate(FOCUS_STATE) if locator.count() else None
        if state is not None:
            assert state["visible"], f"{locator} has keyboard focus but no visible focus indicator"
            return
        page.keyboard.press(key)
    raise AssertionError(f"{locator} could not be reached with {key} in {limit} presses")
