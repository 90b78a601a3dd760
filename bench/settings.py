"""Settings for bench/pages.py only: the product's settings (production when DJANGO_DEBUG=false), plus

- a bench-only URLconf that adds the bare page (`bench.urls`), so the product's URLs are unchanged;
- a middleware, outermost, that counts the SQL queries of each request and sends the count in the
  `X-Bench-Queries` response header, so the client can report queries per request measured on the server;
- the bench's own templates folder (the bare page's template).

Never used to run the service.
"""

import copy

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, MIDDLEWARE, STATICFILES_DIRS, TEMPLATES

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]

# Stopgap until issue 12 §1 lands: the built CSS asks for dist/govuk/images/govuk-crest.svg, which
# `npm run build` does not copy yet, so collectstatic (and so every production page) fails. Serve
# GOV.UK Frontend's own images under that prefix while the build does not provide them.
_CREST = BASE_DIR / "static" / "dist" / "govuk" / "images" / "govuk-crest.svg"
_GOVUK_IMAGES = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "assets" / "images"
if not _CREST.exists() and _GOVUK_IMAGES.exists():
    STATICFILES_DIRS = [*STATICFILES_DIRS, ("dist/govuk/images", _GOVUK_IMAGES)]
