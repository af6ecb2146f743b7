"""freeze_long_lived freezes what is alive once per process, and later objects stay in reach."""

from __future__ import annotations

import gc

from flows import long_lived


def test_freezes_once(monkeypatch):
    monkeypatch.setattr(long_lived, "_frozen", False)
    try:
        long_lived.freeze_long_lived()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        later = [[] for _ in range(10)]
        long_lived.freeze_long_lived()
        # Not frozen again: the count only falls, as frozen objects freed by refcount leave.
        assert gc.get_freeze_count() <= frozen
        assert later  # made after the freeze, collected as usual
    finally:
        gc.unfreeze()
