// Warns a signed-in user before the idle time-out signs them out, and lets them stay signed in.
// Without JavaScript the server still signs the user out; nothing here is needed for safety.

// The field the server's time-out middleware looks for (agencies.middleware.KEEP_FIELD).
const KEEP_FIELD = "_keep_at_timeout";

function changed(form) {
  return Array.from(form.elements).some((el) => {
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") return Array.from(el.options).some((o) => o.selected !== o.defaultSelected);
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") return false;
    return "value" in el && "defaultValue" in el && el.value !== el.defaultValue;
  });
}

// The form a practitioner has typed into and not saved, if any: the sign-out form is never it.
export function formToKeep(doc = document) {
  return Array.from(doc.querySelectorAll("form")).find(
    (form) => (form.method || "").toLowerCase() === "post" && !form.closest("dialog") && changed(form),
  );
}

// At the time-out, a reload would throw away what was typed. Post it instead, marked so the server keeps
// it (and saves nothing): it is put back into this form once the user has signed in again.
function expire() {
  const form = formToKeep();
  if (!form) {
    window.location.reload();
    return;
  }
  const marker = document.createElement("input");
  marker.type = "hidden";
  marker.name = KEEP_FIELD;
  marker.value = "1";
  form.appendChild(marker);
  // submit(), not requestSubmit(): no validation or handlers may stop the form being kept.
  HTMLFormElement.prototype.submit.call(form);
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export function startSessionTimeoutWarning(dialog) {
  if (!dialog || typeof dialog.showModal !== "function") return;
  const idleSeconds = Number(dialog.dataset.idleSeconds);
  const warningSeconds = Number(dialog.dataset.warningSeconds);
  const keepAliveUrl = dialog.dataset.keepAliveUrl;
  const countdown = dialog.querySelector("[data-countdown]");
  const stay = dialog.querySelector("[data-stay-signed-in]");
  let warnTimer;
  let expireTimer;
  let tickTimer;
  let deadline;

  function describe(seconds) {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return minutes === 1 ? "1 minute" : `${minutes} minutes`;
    }
    return seconds === 1 ? "1 second" : `${seconds} seconds`;
  }

  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    // Announce only on whole minutes and the last 20 seconds, so screen readers are not flooded.
    if (left % 60 === 0 || left <= 20) countdown.textContent = describe(left);
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(expireTimer);
    clearInterval(tickTimer);
    deadline = Date.now() + idleSeconds * 1000;
    warnTimer = setTimeout(() => {
      countdown.textContent = describe(warningSeconds);
      dialog.showModal();
      tickTimer = setInterval(tick, 1000);
    }, Math.max(0, (idleSeconds - warningSeconds) * 1000));
    // The server ends the session and sends the user to sign in, with a way back here (see expire()).
    expireTimer = setTimeout(expire, idleSeconds * 1000 + 1000);
  }

  stay.addEventListener("click", async () => {
    const response = await fetch(keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    if (response.ok) {
      dialog.close();
      schedule();
    } else {
      window.location.reload();
    }
  });
  dialog.addEventListener("cancel", (event) => {
    // Escape means "stay signed in", as closing the warning should not sign anyone out.
    event.preventDefault();
    stay.click();
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const headers = event.detail.requestConfig && event.detail.requestConfig.headers;
    if (!headers || !headers["X-Background-Request"]) schedule();
  });
  schedule();
}
