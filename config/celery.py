"""The Celery application.

With CELERY_BROKER_URL unset (the embedded default) settings make every task run in-process
(`task_always_eager`), so the same service code works with or without a worker.
"""

import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Declared here rather than in settings so a worker started with `-Q celery,pdf` always finds both.
app.conf.task_queues = (Queue("celery"), Queue("pdf"))
app.conf.task_default_queue = "celery"
app.autodiscover_tasks()


class PersistentSchedulerInItsFolder(PersistentScheduler):
    """Beat's default scheduler, creating the folder of its schedule file first (settings.CELERY_BEAT_SCHEDULER).

    shelve does not create folders, and the default file lives in the ignored var/ folder, which a fresh
    clone does not have. Only beat runs this, so web processes never write beside the code.
    """

    def _open_schedule(self):
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open_schedule()
