// Copy into static/dist/govuk/ exactly the GOV.UK Frontend assets the built CSS refers to, and fail if
// one is missing from the package. The service uses neither GDS Transport nor the crown, so copying
// the package's whole assets folder would ship files it must not use; copying nothing leaves url()s
// that `collectstatic` (the manifest storage of production) refuses.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const css = "static/dist/app.css";
const prefix = "/static/dist/govuk/";
const source = "node_modules/govuk-frontend/dist/govuk/assets";
const target = "static/dist/govuk";

const referenced = new Set();
for (const [, url] of readFileSync(css, "utf8").matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  if (url.startsWith(prefix)) referenced.add(normalize(url.slice(prefix.length).split(/[?#]/)[0]));
}

rmSync(target, { recursive: true, force: true });
for (const path of referenced) {
  if (path.startsWith("..")) throw new Error(`${css} refers outside GOV.UK Frontend's assets: ${path}`);
  mkdirSync(dirname(join(target, path)), { recursive: true });
  copyFileSync(join(source, path), join(target, path)); // throws if the package has no such file
  console.log(`copied ${join(target, path)}`);
}
