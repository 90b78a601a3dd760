"""What every response under the Open Referral UK API carries, whichever code made it (profile rule).

Any origin may read it (`Access-Control-Allow-Origin: *`, on errors too); a CORS preflight (`OPTIONS`) is
answered here; `HEAD` gets the headers a `GET` would; and an error page is JSON, never the site's HTML."""

from django.http import HttpResponse, JsonResponse

PREFIX = "/openreferral/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def _is_api(request) -> bool:
    return request.path == PREFIX.rstrip("/") or request.path.startswith(PREFIX)


class OpenReferralMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_api(request):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            del response["Content-Type"]  # no body, so no type
            response["Allow"] = ALLOWED_METHODS
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers", "*")
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
                response = self._as_json(response)
        response["Access-Control-Allow-Origin"] = "*"
        if request.method == "HEAD" and not getattr(response, "streaming", False):
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response

    @staticmethod
    def _as_json(response) -> JsonResponse:
        messages = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
        status = response.status_code
        replacement = JsonResponse(
            {"error": messages.get(status, "The server could not answer this request")}, status=status
        )
        for header in ("Allow", "Retry-After"):
            if header in response:
                replacement[header] = response[header]
        return replacement
