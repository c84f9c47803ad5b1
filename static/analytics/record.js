// Record interaction: Enter saves from any field, even a select (browsers only submit from text inputs).
const form = document.querySelector(".record-form");

if (form) {
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || event.target.tagName !== "SELECT") return;
    event.preventDefault();
    form.requestSubmit();
  });
  // After an error, start where the first problem is rather than at the top.
  const firstError = form.querySelector(".has-error input, .has-error select");
  if (firstError) firstError.focus();
}
