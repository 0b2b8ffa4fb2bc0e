"""The progress callback every long stage accepts, defined once."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]

Progress = Callable[[int, int], None]
"""Called with ``(done, total)`` as long work advances (travel times, rounds routed, variants solved)."""
