"""Small reference tables kept in each process's memory (categories, SLA policies, calendars).

Intake reads them on every report; they change a few times a year through the admin. A
`ProcessCache` loads its value on first use and keeps it for `GRIDOPS_CATALOG_CACHE_SECONDS`
(default 5): an admin's change reaches the process that made it at once (the model's save and
delete signals clear the cache, again after the commit) and every other process within those
seconds. Writes that bypass the signals (`QuerySet.update`) call `clear()` themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

T = TypeVar("T")

DEFAULT_SECONDS = 5.0
_registry: list[ProcessCache] = []
_clock = time.monotonic  # a name of our own, so tests can move it


def _ttl() -> float:
    return float(getattr(settings, "GRIDOPS_CATALOG_CACHE_SECONDS", DEFAULT_SECONDS))


class ProcessCache(Generic[T]):
    """`get()` returns the loaded value, reloading it once it is older than the TTL."""

    def __init__(self, name: str, loader: Callable[[], T], *, models: tuple = ()) -> None:
        self.name, self._loader = name, loader
        self._entry: tuple[float, T] | None = None
        self._lock = threading.Lock()
        _registry.append(self)
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-save-{model.__name__}")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-del-{model.__name__}")

    def get(self) -> T:
        entry = self._entry
        if entry is not None and _clock() < entry[0]:
            return entry[1]
        with self._lock:
            entry = self._entry  # another thread may have reloaded it while this one waited
            if entry is not None and _clock() < entry[0]:
                return entry[1]
            value = self._loader()
            self._entry = (_clock() + _ttl(), value)
        return value

    def clear(self) -> None:
        self._entry = None

    def _changed(self, **kwargs) -> None:
        # Now (this transaction reads its own change) and after the commit (a reload in between
        # may have read the row before it was committed, or a rollback may have undone it).
        self.clear()
        transaction.on_commit(self.clear, using=kwargs.get("using"))


def clear_all() -> None:
    for cache in _registry:
        cache.clear()


@receiver(setting_changed)
def _ttl_changed(*, setting: str, **kwargs) -> None:
    if setting == "GRIDOPS_CATALOG_CACHE_SECONDS":
        clear_all()
