"""Under 50 concurrent clients one SPARQL query in ~500 hung until its 30 s deadline: it was forked
while other threads were inside the store, and the child inherited their RocksDB mutexes locked. Forks
now wait until no thread is inside the store, and store calls wait while a fork is pending."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiskills import loading
from aiskills.store.embedded import EmbeddedStore
from aiskills.store.isolated import ForkGate, run_forked


def test_a_fork_waits_for_the_thread_inside_the_store_and_then_runs() -> None:
    gate = ForkGate()
    events: list[object] = []
    inside, leave = threading.Event(), threading.Event()

    def reader() -> None:
        with gate.shared():
            with gate.shared():  # re-entrant: a store call inside a store call
                inside.set()
                leave.wait(5)
                events.append("reader left")

    def forker() -> None:
        events.append(("forked", run_forked(lambda: 6 * 7, 5, gate)))

    r = threading.Thread(target=reader)
    r.start()
    inside.wait(5)
    f = threading.Thread(target=forker)
    f.start()
    time.sleep(0.3)
    assert events == []  # the fork is held back while the reader is inside
    leave.set()
    r.join(5)
    f.join(5)
    assert events == ["reader left", ("forked", 42)]


def test_a_pending_fork_goes_before_new_store_calls_but_not_before_a_nested_one() -> None:
    order: list[str] = []

    class Recording(ForkGate):
        @contextmanager
        def exclusive(self) -> Iterator[None]:
            with super().exclusive():
                order.append("fork")
                yield

    gate = Recording()
    inside, leave = threading.Event(), threading.Event()

    def reader() -> None:
        with gate.shared():
            inside.set()
            leave.wait(5)
            with gate.shared():  # nested while a fork waits: must not deadlock
                order.append("nested")

    def forker() -> None:
        run_forked(lambda: None, 5, gate)

    def late() -> None:
        with gate.shared():
            order.append("late")

    threads = [threading.Thread(target=reader), threading.Thread(target=forker)]
    threads[0].start()
    inside.wait(5)
    threads[1].start()
    time.sleep(0.2)
    threads.append(threading.Thread(target=late))
    threads[2].start()
    time.sleep(0.2)
    leave.set()
    for t in threads:
        t.join(5)
    assert order == ["nested", "fork", "late"]


def test_forked_queries_beside_busy_store_threads_all_answer(tmp_path: Path) -> None:
    """Four threads query the on-disk store without pause while 40 queries are forked beside them:
    every forked query answers (a hang would show as a QueryTimeout at 20 s)."""
    store = EmbeddedStore(tmp_path / "store")
    loading.load_bundled(store)
    stop = threading.Event()
    counted: list[int] = []

    def busy() -> None:
        while not stop.is_set():
            counted.append(len(store.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 500").rows))

    workers = [threading.Thread(target=busy) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        answers = [store.run_query(lambda: sum(1 for _ in store.protocol_query("SELECT * { ?s ?p ?o }")), 20)
                   for _ in range(40)]
    finally:
        stop.set()
        for w in workers:
            w.join(10)
    assert answers == [store.count()] * 40 and counted and set(counted) == {500}
    store.close()
