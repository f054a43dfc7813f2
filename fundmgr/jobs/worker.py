"""The RQ worker `flask worker` runs: RQ's SimpleWorker, stopping its command listener without a minute's wait.

Imported only where a worker starts (RQ loads lazily elsewhere, as in runner.py).
"""

from __future__ import annotations

from rq import SimpleWorker

# How long the worker waits for its listener thread to end once woken; RQ's own bound is 1 s, too short on a busy
# machine. The thread is a daemon: should it still run, it ends with the process.
LISTENER_STOP_WAIT = 5


class Worker(SimpleWorker):
    """SimpleWorker (each job runs in this process, inside the app context the command holds), whose listener for
    RQ's commands (shutdown, stop-job) stops at once when the worker stops.

    RQ listens in a thread of redis-py that waits up to 60 s for a message at a time. RQ stops it by unsubscribing,
    then asking the thread to stop and (redis-py 8) waiting for it to end. When the thread reads the unsubscribe's
    reply before it is asked to stop, it goes back to waiting, now for a subscription that never comes: the worker
    hangs 60 s at each stop that loses the race (4 of 58 on a busy machine: once per run of the test suite, and at
    shutdowns of a deployed worker). Asking first, then unsubscribing, lets the reply wake a thread that knows to end.
    """

    def unsubscribe(self) -> None:
        """Stop listening for RQ's commands: the thread is told to end, then woken by the unsubscribe's reply."""
        if self.pubsub_thread:
            self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
            self.pubsub_thread.stop(timeout=0)  # only clears its running flag: it is still waiting for a message
            self.pubsub.unsubscribe()  # the reply ends that wait; the thread sees the flag and ends
            self.pubsub_thread.join(timeout=LISTENER_STOP_WAIT)
            self.pubsub.close()
