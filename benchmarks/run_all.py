"""Run every benchmark (bench_*.py beside this file) and print one table of figures and their
ratios to the baselines each measured in the same run.

Run: .venv/bin/python benchmarks/run_all.py [--quick] [--markdown]

Each bench script prints a JSON list of rows with `--json`:
{"benchmark", "value", "unit", "baseline", "ratio", "target", "ok"}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="pass --quick to benches that take it")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    rows: list[dict] = []
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        cmd = [sys.executable, str(script), "--json"]
        if args.quick:
            cmd.append("--quick")
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
        took = time.perf_counter() - start
        try:
            got = json.loads(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            failed.append(f"{script.name} (exit {out.returncode}): {out.stderr.strip()[-400:]}")
            continue
        for row in got:
            row["script"] = script.name
        rows.extend(got)
        print(f"ran {script.name} in {took:.0f} s", file=sys.stderr)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Benchmarks run {stamp} on {machine()}\n")
    header = ["benchmark", "figure", "baseline (same run)", "ratio", "target", "met"]
    table = [header]
    for row in rows:
        unit = f" {row['unit']}" if row.get("unit") else ""
        base = f"{row['baseline']}{unit}" if row.get("baseline") is not None else "—"
        ratio = f"{row['ratio']}×" if row.get("ratio") is not None else "—"
        table.append(
            [
                row["benchmark"],
                f"{row['value']}{unit}",
                base,
                ratio,
                row.get("target", ""),
                "—" if row.get("ok") is None else "yes" if row["ok"] else "NO",
            ]
        )
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in table[1:]:
            print("| " + " | ".join(str(c) for c in line) + " |")
    else:
        widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
        for line in table:
            print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
    for failure in failed:
        print(f"\nFAILED: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
