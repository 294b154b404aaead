"""Writer threads commit what the HTTP handlers hand them.

Handlers submit a Write and wait; a writer takes everything queued so far and commits it in one
transaction (group commit), then releases the waiters. A handler answers 200 only once its Write is
committed, so an acknowledged batch survives a crash. Two writers, each on its own connection, take
turns: while one waits for DuckDB to write and sync its commit (with the GIL released), the other
appends the next group. The queue is bounded by bytes: when it is full `submit` refuses at once, and
the handler answers 429 so that Vector backs off and retries.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from dendro.local_pipeline.store import Store, Write

# One transaction takes at most this many records: large enough to amortize the commit, small enough
# that the first waiter of a group is not held long.
GROUP_RECORDS = 100_000


class QueueFullError(RuntimeError):
    pass


class WriterClosedError(RuntimeError):
    pass


@dataclass
class Pending:
    write: Write
    size: int
    done: threading.Event = field(default_factory=threading.Event)
    stored: bool = False  # False after `done` means a repeat of a committed batch
    error: BaseException | None = None
    # Called on the writer thread once `done` is set: how an event loop learns of the commit
    # without a thread blocked on `done` per request.
    on_done: Callable[[], None] | None = None


@dataclass
class Totals:
    batches: int = 0
    duplicates: int = 0
    stored: int = 0
    rejected: int = 0
    commits: int = 0  # transactions: fewer than batches when batches arrive together
    failed_commits: int = 0


class Writer:
    def __init__(self, store: Store, max_pending_bytes: int, threads: int = 2) -> None:
        self.store = store
        self.max_pending_bytes = max_pending_bytes
        self.totals = Totals()
        # None is the stop mark, queued by close() behind every write already submitted.
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending_bytes = 0
        self._closed = False
        self._threads = [
            threading.Thread(target=self._run, args=(store.cursor(),), name=f"dendro-writer-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> Writer:
        for thread in self._threads:
            thread.start()
        return self

    def submit(self, write: Write, size: int, on_done: Callable[[], None] | None = None) -> Pending:
        """Queue `write` (`size` is what it weighs against the limit). Raises QueueFullError or
        WriterClosedError instead of blocking: the caller answers at once and the sender retries."""
        pending = Pending(write, size, on_done=on_done)
        with self._lock:
            if self._closed:
                raise WriterClosedError("the collector is shutting down")
            if self._pending_bytes and self._pending_bytes + size > self.max_pending_bytes:
                raise QueueFullError(f"{self._pending_bytes} bytes are waiting to be committed")
            self._pending_bytes += size
            self._queue.put(pending)
        return pending

    @property
    def pending_bytes(self) -> int:
        return self._pending_bytes

    def close(self) -> None:
        """Refuse new writes, commit every write already queued, then stop."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:
                self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _run(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            self._loop(con)
        finally:
            con.close()

    def _loop(self, con: duckdb.DuckDBPyConnection) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            records = first.write.batch.records
            while records < GROUP_RECORDS:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                group.append(item)
                records += item.write.batch.records
            self._commit(con, group)

    def _commit(self, con: duckdb.DuckDBPyConnection, group: list[Pending]) -> None:
        try:
            fresh = self.store.write([p.write for p in group], con)
        except Exception as error:  # a failed commit fails its waiters (500, Vector retries); go on
            with self._lock:
                self.totals.failed_commits += 1
            for pending in group:
                pending.error = error
        else:
            with self._lock:
                self.totals.commits += 1
            for pending, is_fresh in zip(group, fresh, strict=True):
                pending.stored = is_fresh
                self._count(pending, is_fresh)
        finally:
            with self._lock:
                self._pending_bytes -= sum(p.size for p in group)
            for pending in group:
                pending.done.set()
                if pending.on_done is not None:
                    pending.on_done()

    def _count(self, pending: Pending, is_fresh: bool) -> None:
        totals = self.totals
        with self._lock:  # two writers update these
            if not is_fresh:
                totals.duplicates += 1
                return
            totals.batches += 1
            totals.stored += pending.write.batch.stored
            totals.rejected += pending.write.batch.rejected
