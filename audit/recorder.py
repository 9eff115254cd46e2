"""Rows of the eligibility record written in batches, off the hospital's request (one writer per process).

An eligibility answer is the hot path of every admission desk, and one ``INSERT`` and commit per answer
cost it about a sixth of its throughput (bench/README.md, "the record of eligibility answers"). So a
request hands its row to this process's ``BatchWriter`` and returns; a thread of the process writes what
has gathered, every ``ELIGIBILITY_RECORD_BATCH_SECONDS`` (or sooner, at ``BATCH_ROWS`` rows), in one
transaction on a connection of its own: the statements go in one round trip (psycopg's pipeline), and one
commit serves the batch.

What this gives up, said plainly: a row waits in the worker's memory for at most that delay (0.2 s by
default) plus its write. A worker that exits normally — gunicorn's recycling after ``max_requests``, a
restart, a shutdown, ``SIGTERM`` — writes what is waiting before it goes (``atexit``); a worker killed
outright (``SIGKILL``, the out-of-memory killer, gunicorn's timeout) loses the rows of its last fraction
of a second, as PostgreSQL's ``synchronous_commit = off`` (which the record already uses) may lose them
on a server crash. A database that does not take the rows keeps them waiting and retries; past
``MAX_WAITING`` rows the writer refuses new ones (``RecordUnavailable``), and the question is answered
503: no answer goes out that could never be recorded.

With ``ELIGIBILITY_RECORD_BATCH_SECONDS = 0`` (the tests' settings) every row is written at once, in the
request's own connection and transaction, as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence

from django.db import OperationalError, connections, transaction

logger = logging.getLogger(__name__)

BATCH_ROWS = 200  # a full batch is written without waiting for the delay to run out
MAX_WAITING = 20_000  # rows a process keeps while the database refuses them; then questions get 503
RETRY_SECONDS = 1.0  # after a failed write, before the next attempt


class RecordUnavailable(OperationalError):
    """The record cannot take another row: the database has refused the waiting ones for too long. An
    ``OperationalError``, so the question is answered like any other the database cannot serve: 503 with
    ``Retry-After`` (``config.api.middleware``)."""


Row = tuple
WriteRows = Callable[[object, Sequence[Row]], None]


class BatchWriter:
    """Rows gathered by the requests of one process, written by one thread of it.

    ``write_rows(connection, rows)`` writes a batch on the given connection (inside a transaction this
    class opens). The thread is started by the first row a process hands in, so a server that loads the
    application before forking (gunicorn's ``preload_app``) starts one in each worker, none in the master.
    """

    def __init__(self, write_rows: WriteRows, *, alias: str, delay: float) -> None:
        self.write_rows = write_rows
        self.alias = alias
        self.delay = delay
        self._rows: list[Row] = []
        self._condition = threading.Condition()
        self._writing = threading.Lock()  # one batch at a time: the thread's, or the exit's
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # The request side: hand a row in, start the thread if this process has none.
    def put(self, row: Row) -> None:
        with self._condition:
            if len(self._rows) >= MAX_WAITING:
                raise RecordUnavailable
            if self._pid != os.getpid():
                self._start()
            self._rows.append(row)
            if len(self._rows) >= BATCH_ROWS:
                self._condition.notify()

    def waiting(self) -> int:
        with self._condition:
            return len(self._rows)

    def _start(self) -> None:
        """(Under the condition.) A fresh thread for this process; rows a parent had are not this one's."""
        self._rows = []
        self._pid = os.getpid()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="eligibility-record", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # The writing side.
    def _run(self) -> None:
        try:
            self._loop()
        finally:
            connections[self.alias].close()  # this thread's own connection

    def _loop(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._rows or self._closing)
                if self._closing:
                    return
                # Let a batch gather: until the delay has passed since its first row, or it is full.
                deadline = time.monotonic() + self.delay
                while len(self._rows) < BATCH_ROWS and not self._closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._condition.wait(remaining)
            if not self.flush():
                with self._condition:
                    self._condition.wait_for(lambda: self._closing, timeout=RETRY_SECONDS)

    def flush(self) -> bool:
        """Write every waiting row now, in the calling thread; False if the database refused them (they
        wait again, first in line)."""
        with self._writing:
            with self._condition:
                rows, self._rows = self._rows, []
            if not rows:
                return True
            connection = connections[self.alias]
            try:
                with transaction.atomic(using=self.alias):
                    self.write_rows(connection, rows)
            except Exception:
                logger.exception("eligibility record: %d rows not written, kept to retry", len(rows))
                connection.close()
                with self._condition:
                    self._rows[:0] = rows
                return False
            return True

    def close(self) -> None:
        """At the process's exit: stop the thread (its batch written), then write what still waits here."""
        if self._pid != os.getpid():
            return
        with self._condition:
            self._closing = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if not self.flush():
            logger.error("eligibility record: %d rows lost at exit", self.waiting())
        self._pid = None
