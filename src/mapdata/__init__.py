"""mapdata: who controls what, where and since when in a conflict, with the evidence one click away.

A regular package (not an implicit namespace one), so that two checkouts or an installed
copy never merge into one ``mapdata``. Importing it imports nothing else: the modules are
imported as needed (``mapdata.cli`` is the ``mapdata`` command, ``mapdata.ui`` the app's pages).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mapdata")
except PackageNotFoundError:  # run from a source tree that was never installed (e.g. PYTHONPATH=src)
    __version__ = "0+unknown"

__all__ = ["__version__"]
