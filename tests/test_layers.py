"""The layer rules, checked by walking every import (ast) of shared/, pos_client/ and sync_server/.

Till: ui → services → store, with sync (the agent) and receipts (documents, printers) beside;
server: api → services → repositories; shared under both; SQL libraries only where SQL lives.
See docs/architecture.md. Imports under TYPE_CHECKING and inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "pos_client", "sync_server")

# What each layer may import from this project (its own layer included). The longest matching
# prefix of the importing module decides; a package not named here may import anything of its
# own top-level package (app wiring: pos_client.app, sync_server.app, __main__).
ALLOWED: dict[str, tuple[str, ...]] = {
    "shared": ("shared",),
    "pos_client.exit_codes": (),
    "pos_client.store": ("shared", "pos_client.store"),
    "pos_client.receipts": ("shared", "pos_client.receipts"),
    "pos_client.sync": ("shared", "pos_client.store", "pos_client.sync"),
    "pos_client.services": ("shared", "pos_client.store", "pos_client.receipts", "pos_client.services"),
    "pos_client.ui": ("shared", "pos_client.services", "pos_client.receipts", "pos_client.sync",
                      "pos_client.ui", "pos_client.exit_codes"),
    "sync_server.repositories": ("shared", "sync_server.repositories"),
    "sync_server.api": ("shared", "sync_server.api", "sync_server.services", "sync_server.config"),
}
# Everything else on the server (services, sync, and the packages to come: tools, bot, jobs…)
# is at the services level or below: it may use anything on the server but the routers.
ROUTERS = "sync_server.api"
WIRING = ("sync_server.app", "sync_server.__main__", "pos_client.app", "pos_client.__main__")

# Third-party modules a layer must not touch.
FORBIDDEN_LIBRARIES: dict[str, tuple[str, ...]] = {
    "shared": ("PySide6", "shiboken6", "fastapi", "asyncpg", "sqlalchemy", "httpx", "sqlite3"),
    "pos_client.ui": ("sqlalchemy", "sqlite3", "PySide6", "shiboken6"),  # Qt through ui.qt only
    "pos_client.services": ("sqlalchemy", "sqlite3", "PySide6", "shiboken6"),
    "pos_client.store": ("PySide6", "shiboken6"),
    "sync_server.api": ("asyncpg",),
}
QT_SHIM = "pos_client.ui.qt"  # the one module that names the binding


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                found.update(_imported_names(".".join([*base, node.module] if node.module else base),
                                             node.names))
            elif node.module:
                found.update(_imported_names(node.module, node.names))
    return found


def _imported_names(module: str, names: list[ast.alias]) -> set[str]:
    """``from pos_client import exit_codes`` imports the module ``pos_client.exit_codes``."""
    if module.split(".")[0] not in PACKAGES:
        return {module}
    out = set()
    for alias in names:
        sub = ROOT.joinpath(*module.split("."), alias.name)
        is_module = sub.with_suffix(".py").exists() or (sub / "__init__.py").exists()
        out.add(f"{module}.{alias.name}" if is_module else module)
    return out


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _rule(module: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    matches = [p for p in table if _within(module, p)]
    return table[max(matches, key=len)] if matches else None


def _breaks(importer: str, imported: str) -> bool:
    top, other = importer.split(".")[0], imported.split(".")[0]
    if other not in PACKAGES:
        banned = _rule(importer, FORBIDDEN_LIBRARIES) or ()
        return importer != QT_SHIM and any(_within(imported, lib) for lib in banned)
    if other not in (top, "shared"):
        return True  # till and server never meet; shared imports neither
    allowed = _rule(importer, ALLOWED)
    if allowed is not None:
        return not any(_within(imported, a) for a in allowed)
    if importer in WIRING or _within(importer, ROUTERS):
        return False
    return _within(imported, ROUTERS)


def violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            importer = module_name(path)
            found.update((importer, imported) for imported in imports_of(path)
                         if _breaks(importer, imported))
    return found


def test_imports_follow_the_layers() -> None:
    unexpected = sorted(violations())
    assert not unexpected, "imports against the layer rules:\n" + "\n".join(
        f"  {a} imports {b}" for a, b in unexpected
    )



def test_the_till_never_imports_its_devtools() -> None:
    """The demo and the screenshot tour use the app; nothing the shop runs uses them."""
    devtools = "pos_client.devtools"
    found = sorted((module_name(path), imported)
                   for path in (ROOT / "pos_client").rglob("*.py")
                   if not _within(module_name(path), devtools)
                   for imported in imports_of(path) if _within(imported, devtools))
    assert not found, "the till imports its devtools:\n" + "\n".join(f"  {a} → {b}" for a, b in found)


@pytest.mark.parametrize(
    ("importer", "imported", "breaks"),
    [
        ("pos_client.ui.main_window", "pos_client.store.repositories.catalog", True),
        ("pos_client.ui.main_window", "pos_client.services.sales", False),
        ("pos_client.services.sales", "pos_client.ui.widgets", True),
        ("pos_client.services.sales", "sqlalchemy", True),
        ("pos_client.store.apply", "sqlalchemy", False),
        ("pos_client.receipts.sale_ticket", "pos_client.services.returns", True),
        ("pos_client.sync.agent", "pos_client.services.device", True),
        ("sync_server.api.sync", "sync_server.repositories.devices", True),
        ("sync_server.api.sync", "sync_server.services.shops", False),
        ("sync_server.services.shops", "sync_server.repositories.devices", False),
        ("sync_server.sync.apply", "sync_server.api.errors", True),
        ("shared.sale", "pos_client.store", True),
        ("pos_client.ui.main_window", "PySide6.QtWidgets", True),
    ],
)
def test_the_rules_themselves(tmp_path, monkeypatch, importer: str, imported: str, breaks: bool) -> None:
    """The checker catches a planted import of each kind (and lets the allowed ones be)."""
    package_dir = tmp_path.joinpath(*importer.split(".")[:-1])
    package_dir.mkdir(parents=True)
    (package_dir / f"{importer.split('.')[-1]}.py").write_text(f"import {imported}\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert ((importer, imported) in violations()) is breaks
