"""Bench-only middleware (bench.settings): queries and time per request, measured on the server."""

import time

from django.db import connections

QUERY_HEADER = "X-Bench-Queries"
SERVER_TIME_HEADER = "X-Bench-Server-Ms"


class QueryCountMiddleware:
    """Count every SQL statement the request runs, through every middleware inside this one (it is
    outermost), and send the count in the X-Bench-Queries header; send the time the request spent inside
    Django in X-Bench-Server-Ms, which leaves out the time it waited for a free worker. The counter is an
    execute wrapper, so it works with DEBUG off and keeps no query text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
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
        response[SERVER_TIME_HEADER] = f"{(time.perf_counter() - started) * 1000:.1f}"
        return response
