"""Benchmark registry: each benchmark is a named function returning {metric: number}."""

from __future__ import annotations

from collections.abc import Callable

Benchmark = Callable[[], dict[str, float]]
BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    def register(fn: Benchmark) -> Benchmark:
        BENCHMARKS[name] = fn
        return fn

    return register
