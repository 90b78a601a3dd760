// Loaded at the top of <body> so GOV.UK Frontend's JavaScript-only styles apply before first paint.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
