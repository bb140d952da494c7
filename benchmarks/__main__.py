"""Run benchmarks, print a table and write ``.bench/results.json`` (metric name → number)."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

import benchmarks
from benchmarks.registry import BENCHMARKS

RESULTS = Path(".bench/results.json")


def main(argv: list[str] | None = None) -> None:
    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name not in ("registry", "__main__"):
            importlib.import_module(f"benchmarks.{module.name}")
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help=f"any of: {', '.join(sorted(BENCHMARKS))}")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(sorted(BENCHMARKS))}")
    results: dict[str, float] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in args.names or sorted(BENCHMARKS):
        print(f"running {name} …", file=sys.stderr)
        results.update(BENCHMARKS[name]())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(map(len, results))
    print(f"{'metric':<{width}}  value")
    for metric, value in sorted(results.items()):
        print(f"{metric:<{width}}  {value:g}")


if __name__ == "__main__":
    main()
