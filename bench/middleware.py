"""Bench-only middleware (bench.settings): queries per request, counted on the server."""

from django.db import connections

QUERY_HEADER = "X-Bench-Queries"


class QueryCountMiddleware:
    """Count every SQL statement the request runs, through every middleware inside this one (it is
    outermost), and send the count in the X-Bench-Queries header. A counter in an execute wrapper, so
    it works with DEBUG off and keeps no query text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        wrapped = connections.all()
        for connection in wrapped:
            connection.execute_wrappers.append(counter)
        try:
            response = self.get_response(request)
        finally:
            for connection in wrapped:
                connection.execute_wrappers.remove(counter)
        response[QUERY_HEADER] = str(count)
        return response
