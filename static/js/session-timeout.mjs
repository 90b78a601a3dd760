// Warns a signed-in user before the idle time-out signs them out, and lets them stay signed in.
// Without JavaScript the server still signs the user out; nothing here is needed for safety.

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
    // Reloading lets the server end the session and send the user to sign in, with a way back here.
    expireTimer = setTimeout(() => window.location.reload(), idleSeconds * 1000 + 1000);
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
