"""Kiosk tests: .kiosk-artifacts holds this run's screenshots only (an old timeout's picture
left there would point whoever reads it at a failure that is gone)."""

from __future__ import annotations

import shutil

import pytest

from tests.support.kiosk import ARTIFACTS


@pytest.fixture(scope="session", autouse=True)
def fresh_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
