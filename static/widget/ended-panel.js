// After the chat: email the transcript, rate the chat, or start a new one.

import { formFeedback, whileBusy } from "./form-feedback.js";
import { api } from "./widget-api.js";
import { format, gettext } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export function initEndedPanel({ currentChat, onNewChat }) {
  const transcriptErrors = formFeedback("transcript-error", "transcript-");
  const ratingErrors = formFeedback("rating-error", "rating-");

  async function emailTranscript(event) {
    event.preventDefault();
    transcriptErrors.clear();
    $("transcript-result").textContent = "";
    const input = $("transcript-email");
    const email = input.value.trim();
    if (!email || !input.checkValidity()) {
      transcriptErrors.show(gettext("Enter the email address the transcript should go to."), "email").focus();
      return;
    }
    const answer = await whileBusy(event.submitter, gettext("Sending…"), () => api.emailTranscript(currentChat(), email));
    if (!answer) return;
    if (!answer.ok) {
      transcriptErrors.showAnswer(answer);
      return;
    }
    $("transcript-result").textContent = format(gettext("Transcript sent to %(email)s."), { email });
  }

  async function rate(event) {
    event.preventDefault();
    ratingErrors.clear();
    $("rating-result").textContent = "";
    const checked = $("rating-form").querySelector('input[name="rating"]:checked');
    if (!checked) {
      ratingErrors.show(gettext("Choose a rating from 1 to 5."), "rating");
      $("rating-form").querySelector('input[name="rating"]').focus();
      return;
    }
    const comment = $("rating-comment").value.trim();
    const answer = await whileBusy(event.submitter, gettext("Sending…"), () =>
      api.rateChat(currentChat(), Number(checked.value), comment),
    );
    if (!answer) return;
    if (!answer.ok) {
      ratingErrors.showAnswer(answer);
      return;
    }
    $("rating-result").textContent = gettext("Thanks for your feedback!");
  }

  $("transcript-form").addEventListener("submit", emailTranscript);
  $("rating-form").addEventListener("submit", rate);
  $("new-chat").addEventListener("click", onNewChat);

  return {
    /** Fills the panel for `chat` and shows it. */
    show(chat) {
      transcriptErrors.clear();
      ratingErrors.clear();
      $("transcript-email").value = chat.email || "";
      $("transcript-result").textContent = "";
      $("rating-result").textContent = "";
      $("ended").hidden = false;
    },
    reset() {
      $("ended").hidden = true;
      $("transcript-form").reset();
      $("rating-form").reset();
      $("transcript-result").textContent = "";
      $("rating-result").textContent = "";
    },
  };
}
