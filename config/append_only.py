"""The audit trail is append-only in the database itself (ASVS 16.4).

Every table that records who did or saw what (access events, sign-in events and every history table
django-simple-history keeps) carries a trigger refusing UPDATE and DELETE, whoever asks: the
application, a shell, the admin site or a superuser's psql. Rows are only ever added.

Why triggers written here rather than django-pgtrigger's `Protect`: pgtrigger's triggers can be
switched off by any connection that sets its session variable (`pgtrigger.ignore`), which is a bypass
the application itself holds. These have none. The one way round them is `ALTER TABLE … DISABLE
TRIGGER`, which only the tables' owner may run; in production the application connects as a role that
owns nothing (README, "Database roles"), so the code that writes the audit cannot rewrite it.

TRUNCATE is left to privileges (the application's role is not granted it on these tables): a row
trigger cannot see it, and the test suite's flush between browser tests relies on it.

The triggers are (re)installed after every `migrate`, so a history table added by a later migration
is covered without anyone remembering to: `install()` is idempotent and `audit_tables()` is derived
from the models, not a list kept by hand.
"""

from django.apps import apps
from django.db import connection

FUNCTION = "tac_refuse_audit_change"
TRIGGER = "tac_append_only"

# Audit models that are not simple_history's: named by label so this module imports no app.
AUDIT_MODELS = ("children.AccessEvent", "agencies.SignInEvent")


def audit_tables() -> list[str]:
    """Every table of the audit trail: the named audit models and every historical model."""
    tables = {apps.get_model(label)._meta.db_table for label in AUDIT_MODELS}
    for model in apps.get_models():
        if getattr(model, "_history_model", False) or model.__name__.startswith("Historical"):
            if hasattr(model, "history_id"):
                tables.add(model._meta.db_table)
    return sorted(tables)


def install(using_connection=None) -> list[str]:
    """Install (or replace) the refusing trigger on every audit table; returns the tables. PostgreSQL only."""
    conn = using_connection or connection
    if conn.vendor != "postgresql":
        return []
    tables = audit_tables()
    with conn.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% on %.% refused: the audit trail is append-only',
                    TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        cursor.execute("SELECT c.relname FROM pg_class c WHERE c.relkind = 'r'")
        existing = {row[0] for row in cursor.fetchall()}
        for table in tables:
            if table not in existing:  # a model whose migration has not run (e.g. `migrate app 0001`)
                continue
            quoted = conn.ops.quote_name(table)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {quoted} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )
    return tables


def installed_tables(using_connection=None) -> set[str]:
    """The tables that carry the trigger now, read from the catalogue (for tests and the deploy check)."""
    conn = using_connection or connection
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND t.tgenabled <> 'D'",
            [TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


def install_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver. Django sends the signal once per app with models, after every app's migrations
    have run; acting on the last one's installs the triggers once per migrate, on the database migrated."""
    from django.db import connections

    if sender is [config for config in apps.get_app_configs() if config.models_module is not None][-1]:
        install(connections[using])
