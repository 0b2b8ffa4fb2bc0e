"""hubplan: plan hub, spoke and specialist day services for adults in Dorset.

The package is a one-way pipeline: ``scenario`` -> ``study`` -> ``demand`` ->
``travel`` -> ``problem`` -> ``solve`` -> ``metrics`` -> ``outputs``. See
the documentation (``docs/development.md``, *Layout*).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hubplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
