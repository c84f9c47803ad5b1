// Errors next to the field they are about, or at the top of the form in a role="alert" box,
// as the API's {"error", "field"} answers say; and buttons that show a request is on its way.

const $ = (id) => document.getElementById(id);

/**
 * A form's error display. Fields are found by id: `${prefix}${field}` for the control and
 * `${prefix}${field}-error` for its message; anything else goes to the form's alert box.
 */
export function formFeedback(alertId, prefix) {
  const alertBox = $(alertId);
  const touched = new Set();

  function clear() {
    alertBox.hidden = true;
    alertBox.textContent = "";
    for (const field of touched) {
      const message = $(`${prefix}${field}-error`);
      if (message) {
        message.hidden = true;
        message.textContent = "";
      }
      $(`${prefix}${field}`)?.removeAttribute("aria-invalid");
    }
    touched.clear();
  }

  /** Shows `error` by `field` when the form has that field, else at the top. Returns the element to focus. */
  function show(error, field) {
    const message = field && $(`${prefix}${field}-error`);
    if (!message) {
      alertBox.textContent = error;
      alertBox.hidden = false;
      return alertBox;
    }
    touched.add(field);
    message.textContent = error;
    message.hidden = false;
    const control = $(`${prefix}${field}`);
    control?.setAttribute("aria-invalid", "true");
    return control || message;
  }

  /** Shows an API answer's error and moves focus to the field it is about. */
  function showAnswer(answer) {
    clear();
    const target = show(answer.data.error, answer.data.field);
    if (target !== alertBox) target.focus?.();
  }

  return { clear, show, showAnswer };
}

/**
 * Marks `button` busy with a "working" label until `work` settles, and ignores a second press
 * meanwhile. aria-disabled rather than disabled: a disabled button drops keyboard focus.
 */
export async function whileBusy(button, busyLabel, work) {
  if (button.getAttribute("aria-disabled") === "true") return undefined;
  const label = button.textContent;
  button.setAttribute("aria-disabled", "true");
  button.textContent = busyLabel;
  try {
    return await work();
  } finally {
    button.removeAttribute("aria-disabled");
    button.textContent = label;
  }
}
