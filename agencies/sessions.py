"""The database session store, made to behave while the database is away (settings.SESSION_ENGINE).

Django's store turns any database error while saving an existing session into `UpdateError`, which its
middleware answers with a 400 ("the session was deleted"): during a database restart an autosave got
that 400. Here a lost connection stays a connection problem (`DatabaseUnavailable`), which
`config.views.server_error` answers with a 503 that says nothing was saved and keeps the text.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError

# Written into the session at sign-in (agencies.signals) and copied into its row's columns on each save.
CLIENT_ADDRESS = "client_address"
CLIENT_AGENT = "client_agent"


class DatabaseUnavailable(OperationalError):
    """The database could not be reached (restarting, failing over, or its connections cut)."""


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import SignedInSession

        return SignedInSession

    def create_model_instance(self, data):
        """The row carries its owner and where it signed in from (set in the session at sign-in), so
        "Your sessions" lists them and closing an account deletes them, without decoding every session."""
        from datetime import UTC, datetime

        from django.contrib.auth import SESSION_KEY

        instance = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        instance.user_id = int(user_id) if user_id else None
        instance.address = data.get(CLIENT_ADDRESS)
        instance.user_agent = data.get(CLIENT_AGENT, "")
        for field, key in (("signed_in_at", "signed_in_at"), ("last_active_at", "last_activity")):
            value = data.get(key)
            setattr(instance, field, datetime.fromtimestamp(value, UTC) if value else None)
        return instance

    def _get_session(self, no_load=False):
        try:
            return super()._get_session(no_load=no_load)
        except (OperationalError, InterfaceError) as error:
            # Leave no half-loaded store behind (Django's would lack `_session_cache`, and every later look at
            # the session in this request would fail with an AttributeError instead).
            self.__dict__.pop("_session_cache", None)
            # Django looks for its cache first and loads on the AttributeError: that is not the news here.
            error.__suppress_context__ = True
            raise DatabaseUnavailable(str(error)) from error

    # Django's `_session` property holds the base class's function: point it at this one.
    _session = property(_get_session)

    def save(self, must_create=False):
        try:
            return super().save(must_create=must_create)
        except UpdateError as error:
            if isinstance(error.__context__, (OperationalError, InterfaceError)):
                raise DatabaseUnavailable(str(error.__context__)) from error.__context__
            raise
        except (OperationalError, InterfaceError) as error:
            raise DatabaseUnavailable(str(error)) from error
