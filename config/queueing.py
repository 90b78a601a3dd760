"""Handing a task to the broker from a request, after its commit, without ever failing the request.

Every task a request queues stands for a row it committed (an outbox email, a document job): the row is the
record and the task only a nudge. So `publish` never raises. With the broker away it logs, returns False
and, for a few seconds, does not try again in this process, so a request that queues ten emails waits for
one failed connection at most (CELERY_BROKER_CONNECTION_TIMEOUT), not ten. Beat's sweepers queue every
such row again once the broker is back.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)

# After a failure, publishing is skipped in this process for this long (the sweepers run more often).
BACK_OFF_SECONDS = 5.0

_lock = threading.Lock()
_away_until = 0.0


def broker_thought_away() -> bool:
    return time.monotonic() < _away_until


def publish(task, args: tuple, what: str) -> bool:
    """`task.apply_async(args)` once, failing fast; True if the broker took it."""
    global _away_until
    if broker_thought_away():
        logger.info("Not queueing %s: the broker was unreachable moments ago; the sweeper will queue it", what)
        return False
    try:
        # retry=False: one attempt, bounded by the connection timeout, rather than hold the request.
        task.apply_async(args, retry=False)
    except Exception:
        if task.app.conf.task_always_eager:
            # The embedded default runs the task here: its failure is the task's, not the broker's.
            logger.exception("%s failed in-process; the sweeper will try it again", what)
            return False
        with _lock:
            _away_until = time.monotonic() + BACK_OFF_SECONDS
        logger.warning("Could not queue %s; the sweeper will queue it again", what, exc_info=True)
        return False
    return True


def reset() -> None:
    """Forget a failure (tests that point this process at another broker)."""
    global _away_until
    _away_until = 0.0
