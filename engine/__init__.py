"""liveset's engine: everything that lasts longer than a screen.

The TUI imports only this package root. ``engine`` never imports ``textual`` or ``rich``.

The public names are listed once, in ``__init__.pyi``. Each is imported from its module on
first use (PEP 562, through lazy_loader): a front end pays only for what it touches, and the
database, HTTP and audio libraries behind ``Engine`` load when the engine is wanted (the app
draws its first screen meanwhile).
"""

import lazy_loader

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
