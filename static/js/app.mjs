import { initAll } from "../dist/vendor/govuk-frontend.min.js";
import { startSessionTimeoutWarning } from "./session-timeout.mjs";

initAll();
startSessionTimeoutWarning(document.getElementById("session-timeout-dialog"));
