"""The Celery application.

With CELERY_BROKER_URL unset (the embedded default) settings make every task run in-process
(`task_always_eager`), so the same service code works with or without a worker.
"""

import os
from pathlib import Path

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Declared here rather than in settings so a worker started with `-Q celery,pdf` always finds both.
app.conf.task_queues = (Queue("celery"), Queue("pdf"))
app.conf.task_default_queue = "celery"
app.autodiscover_tasks()


@app.on_after_configure.connect
def make_the_beat_schedule_folder(sender, **kwargs):
    # Beat opens its schedule file (a shelve database) before any beat signal fires, and shelve does not
    # create folders; the default lives in the ignored var/ folder, which a fresh clone does not have.
    Path(sender.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
