import { initAll } from "../dist/vendor/govuk-frontend.min.js";
import { startSessionTimeoutWarning } from "./session-timeout.mjs";

initAll();
startSessionTimeoutWarning(document.getElementById("session-timeout-dialog"));

// An autosave the service could not save (its database restarting) answers 503 with a status line that
// says so: show it in the autosave's status, where htmx would otherwise show nothing. The text stays in the form.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status === 503 && xhr.getResponseHeader("X-Not-Saved")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
