"""Every request has an id that its log lines and its response carry, so a log line and an audit row can
be joined; a client cannot choose it unless it came through our own proxy."""

import logging

import pytest
from django.test import override_settings

from config.request_id import RequestIdFilter

pytestmark = pytest.mark.django_db


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []
        self.addFilter(RequestIdFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def django_request_log():
    handler = Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_a_log_line_of_a_request_carries_the_id_its_response_gives(client, django_request_log):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert [r.request_id for r in django_request_log] == [request_id]


def test_each_request_gets_its_own_id(client):
    assert client.get("/sign-in/")["X-Request-ID"] != client.get("/sign-in/")["X-Request-ID"]


def test_a_log_line_outside_any_request_says_so(django_request_log):
    logging.getLogger("django.request").warning("from a worker")
    assert django_request_log[-1].request_id == "-"


def test_a_clients_own_request_id_is_not_believed(client):
    assert client.get("/sign-in/", HTTP_X_REQUEST_ID="chosen-by-the-client")["X-Request-ID"] != "chosen-by-the-client"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_our_proxy_its_request_id_is_kept_if_well_formed(client):
    assert client.get("/sign-in/", HTTP_X_REQUEST_ID="proxy-4f2a9c")["X-Request-ID"] == "proxy-4f2a9c"
    odd = client.get("/sign-in/", HTTP_X_REQUEST_ID="no spaces or <tags> please")["X-Request-ID"]
    assert odd != "no spaces or <tags> please" and len(odd) == 32
