"""Frames computed once per database, data version and key, shared by every visitor of the
process: what only a write can change, and costs more to compute than to keep."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import polars as pl

from .db import Database


class KeptFrames:
    """Frames by (database, data version, key); past ``kept`` keys the least recently used goes.
    A write moves the data version, so what it changed is computed again on the next read."""

    def __init__(self, kept: int) -> None:
        self._frames: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
        self._lock = threading.Lock()
        self._kept = kept

    def get(self, db: Database, key: Hashable, read: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        full = (db.path, id(db), db.data_version, key)
        with self._lock:
            found = self._frames.get(full)
            if found is not None:
                self._frames.move_to_end(full)
                return found
        found = read()
        with self._lock:
            self._frames[full] = found
            while len(self._frames) > self._kept:
                self._frames.popitem(last=False)
        return found

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
