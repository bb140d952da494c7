"""Named operations: a screen's request runs on the worker, and its answer comes back on the Qt thread."""

from __future__ import annotations

import threading

from pos_client.services.till import Till
from pos_client.ui.context import AppContext
from pos_client.ui.operations import UNEXPECTED, Operation
from shared.errors import DomainError


class _Refused(DomainError):
    code = "refused"


def test_the_answer_comes_back_on_the_qt_thread(qtbot, ctx: AppContext) -> None:
    seen: dict[str, object] = {}

    def op(till: Till) -> str:
        seen["till"] = till
        seen["op_thread"] = threading.current_thread().name
        return till.device.code

    done: list[str] = []
    Operation(ctx, op).success(lambda code: done.append(code)).always(
        lambda: seen.setdefault("after", threading.current_thread().name)).run()
    qtbot.waitUntil(lambda: "after" in seen)
    assert done == [ctx.till.device.code]
    assert seen["till"] is ctx.till
    assert seen["op_thread"] != threading.main_thread().name
    assert seen["after"] == threading.main_thread().name


def test_a_refusal_reaches_the_screen_in_spanish(qtbot, ctx: AppContext) -> None:
    said: list[str] = []

    def refuse(till: Till) -> None:
        raise _Refused("No hay existencia suficiente.")

    Operation(ctx, refuse).success(lambda _: said.append("ok")).failure(said.append).run()
    qtbot.waitUntil(lambda: bool(said))
    assert said == ["No hay existencia suficiente."]


def test_an_unexpected_error_is_logged_and_told_plainly(qtbot, ctx: AppContext, caplog) -> None:
    said: list[str] = []
    finished: list[bool] = []

    def crash(till: Till) -> None:
        raise KeyError("column folio")

    Operation(ctx, crash).failure(said.append).always(lambda: finished.append(True)).run()
    qtbot.waitUntil(lambda: bool(finished))
    assert said == [UNEXPECTED]
    assert "column folio" not in said[0]
    assert any("operation failed" in r.message for r in caplog.records)
