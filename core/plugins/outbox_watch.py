"""After-commit notification: call back after each commit that wrote outbox events.

This is what lets events go out at once instead of at the next periodic sweep.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.outbox import OUTBOX_WRITTEN

_watchers: weakref.WeakKeyDictionary[Engine, list[Callable[[], Any]]] = weakref.WeakKeyDictionary()
_listening = False


class Coalescer:
    """Runs ``callback`` on a thread of its own after :meth:`notify`, once per burst.

    Trailing edge: the flag is cleared before each run, so a notification that comes while
    the callback runs gets a run of its own after it, and one that came before is covered
    by the run that follows. The notifying thread (a request, a job) pays for setting a
    flag, never for a queue round trip. A notification still pending at interpreter exit
    is run then; one lost to a crash is what the periodic sweep is for.
    """

    def __init__(self, callback: Callable[[], Any], name: str = "tanzi-outbox-notify") -> None:
        self.callback = callback
        self.name = name
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        atexit.register(self.flush)

    def notify(self) -> None:
        self._wake.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopped:
                    self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self._thread.start()

    __call__ = notify

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stopped:
                return
            self._wake.clear()
            self._call()

    def _call(self) -> None:
        with contextlib.suppress(Exception):
            self.callback()

    def flush(self) -> None:
        """Run a pending notification now, in the caller's thread."""
        if self._wake.is_set():
            self._wake.clear()
            self._call()

    def stop(self) -> None:
        """Run what is pending and end the thread."""
        self.flush()
        self._stopped = True
        self._wake.set()
        atexit.unregister(self.flush)


def watch_outbox(
    engine: Engine, callback: Callable[[], Any], *, coalesce: bool = True
) -> Callable[[], None]:
    """Call ``callback`` after every commit on ``engine`` that wrote outbox events.

    With ``coalesce`` (the default) it runs on a :class:`Coalescer` thread, once per burst
    of commits; otherwise in the committing thread, once per commit. Returns a function
    that stops watching. The callback's errors are swallowed: the periodic sweep still
    dispatches whatever a missed notification left behind.
    """
    global _listening
    if not _listening:
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _after_rollback)
        _listening = True
    coalescer = Coalescer(callback) if coalesce else None
    watcher = coalescer.notify if coalescer is not None else callback
    _watchers.setdefault(engine, []).append(watcher)

    def unwatch() -> None:
        callbacks = _watchers.get(engine, [])
        if watcher in callbacks:
            callbacks.remove(watcher)
        if coalescer is not None:
            coalescer.stop()

    return unwatch


def _after_commit(session: Session) -> None:
    if not session.info.pop(OUTBOX_WRITTEN, False):
        return
    bind = session.bind
    engine = bind if isinstance(bind, Engine) else getattr(bind, "engine", None)
    for callback in list(_watchers.get(engine, [])) if engine is not None else []:
        with contextlib.suppress(Exception):
            callback()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)
