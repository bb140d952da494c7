"""The one place the Qt binding is named: screens import Qt's classes from here, never from PySide6.

Changing the binding (or pinning around one of its bugs, see pyproject.toml) is a change to
this file alone, as with Anki's ``aqt.qt``.
"""

# Each module declares its own copy of a few list helpers (QIntList, QPointFList…) and QtGui
# widens qFuzzyCompare; the later import wins, and none of them is used here.
from PySide6.QtCharts import *  # noqa: F403
from PySide6.QtCore import *  # type: ignore[assignment]  # noqa: F403
from PySide6.QtGui import *  # type: ignore[assignment]  # noqa: F403
from PySide6.QtWidgets import *  # type: ignore[assignment]  # noqa: F403
from shiboken6 import isValid as isValid  # re-exported: is a Qt object still alive
