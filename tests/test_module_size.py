"""No module of the product grows past what one person reads in one sitting (450 lines).

Tests, benchmarks and SQL files don't count; a module that needs more is split along its seams
(repository / use case / document; a screen and its parts).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "pos_client", "sync_server")
MAX_LINES = 450


def oversized(root: Path = ROOT) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


def test_no_module_is_over_450_lines() -> None:
    assert oversized() == []


def test_the_check_sees_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "pos_client").mkdir()
    (tmp_path / "pos_client" / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "pos_client" / "fine.py").write_text("x = 1\n" * MAX_LINES)
    assert oversized(tmp_path) == [f"pos_client/big.py: {MAX_LINES + 1} lines"]
