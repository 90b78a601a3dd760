from celery import shared_task

from . import services


@shared_task(name="children.sweep_emergency_access")
def sweep_emergency_access() -> int:
    """Remove guardian grants of expired emergency accesses (the access filter already ignores them)."""
    return services.emergency_access_sweep()


@shared_task(name="children.remind_overdue_escalations")
def remind_overdue_escalations() -> int:
    """Remind social care's managers, once each, of escalations past their one working day."""
    return services.escalation_reminders_send()
