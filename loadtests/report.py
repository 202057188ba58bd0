"""Run every benchmark of the project and write one report: a Markdown table of the figures (with the targets
the issues name and whether they are met), the machine's description, the benchmarks' own outputs, and two
plots — evaluation latency against live campaigns (20 to 10,000) and pricing-core throughput against
concurrency.

    python loadtests/report.py                 # everything, a good half hour on a 2-core machine
    python loadtests/report.py --quick         # shorter rounds (figures noisier)
    python loadtests/report.py --only engine codes
    python loadtests/report.py --python "$(scripts/compiled-venv)/bin/python"   # the compiled engine

Writes `loadtests/reports/latest.md` and its PNG plots (the README links them) and keeps the raw outputs
under `loadtests/reports/runs/<time>/`. Exit 1 when a benchmark crashed (missed targets are reported, not
fatal: every benchmark runs with --no-fail).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import matplotlib
import redis
from figures import collect

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
REPORTS = HERE / "reports"
POSTGRES = os.environ.get("KAMPANYA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
CAMPAIGN_SIZES = (20, 100, 500, 1_000, 2_500, 5_000, 10_000)
CONCURRENCY = (1, 2, 4, 8, 16, 32, 64)


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    arguments: tuple[str, ...]
    quick: tuple[str, ...] = ()


BENCHMARKS = (
    Benchmark(
        "engine",
        "engine: evaluate against live campaigns",
        ("bench_engine.py", "--no-fail", "--sizes", *map(str, CAMPAIGN_SIZES)),
        ("--quick",),
    ),
    Benchmark(
        "pricing",
        "pricing core vs echo (gRPC)",
        ("bench_pricing.py", "--no-fail"),
        ("--seconds", "3", "--rounds", "1"),
    ),
    Benchmark(
        "counters",
        "counters vs a raw Lua script; Reserve + Commit vs EvaluateCart",
        ("bench_counters.py", "--no-fail", "--postgres", POSTGRES.rsplit("/", 1)[0]),
        ("--seconds", "2", "--rounds", "1", "--counters", "redis"),
    ),
    Benchmark(
        "gateway",
        "gateway vs a plain endpoint",
        ("bench_gateway.py", "--no-fail"),
        ("--seconds", "3", "--rounds", "1"),
    ),
    Benchmark(
        "propagation",
        "propagation of a change to the pricing cores",
        ("bench_propagation.py", "--no-fail", "--postgres", POSTGRES.rsplit("/", 1)[0]),
        ("--changes", "30", "--poll-changes", "5"),
    ),
    Benchmark("codes", "coupon code generation on PostgreSQL", ("bench_codes.py", "--no-fail")),
    Benchmark("customers", "bulk customer import on PostgreSQL", ("bench_customers.py", "--no-fail")),
    Benchmark("reports", "campaign reports on the ledger", ("bench_reports.py",)),
)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{memory_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown"

    async def postgres_version() -> str:
        try:
            connection = await asyncpg.connect(POSTGRES)
        except (OSError, asyncpg.PostgresError) as error:
            return f"unreachable ({error})"
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    try:
        with redis.Redis.from_url("redis://127.0.0.1:6379/0") as client:
            redis_version = str(client.info("server")["redis_version"])
    except redis.RedisError as error:
        redis_version = f"unreachable ({error})"
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPOSITORY, capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "CPU": f"{model}, {os.cpu_count()} logical CPUs",
        "memory": memory,
        "system": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Python": platform.python_version(),
        "PostgreSQL": asyncio.run(postgres_version()),
        "Redis": redis_version,
        "revision": (revision or "unknown") + (" with uncommitted changes" if dirty else ""),
    }


def run(python: str, benchmark: Benchmark, extra: Sequence[str], directory: Path) -> tuple[int, str, float]:
    """Run one benchmark; return its exit code, its output, and how long it took."""
    command = [python, *benchmark.arguments, *extra]
    # the benchmarks' own modules only: the packages come from the interpreter's environment (with the
    # repository on the path, `--python` of the compiled build would measure the source tree instead)
    environment = dict(os.environ) | {"PYTHONPATH": str(HERE)}
    started = time.perf_counter()
    print(f"==> {benchmark.name}: {' '.join(command)}", flush=True)
    finished = subprocess.run(command, cwd=HERE, env=environment, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    output = finished.stdout + ("\n--- stderr ---\n" + finished.stderr if finished.stderr.strip() else "")
    (directory / f"{benchmark.name}.txt").write_text(output)
    print(f"    exit {finished.returncode} after {took:.0f} s, {len(collect(finished.stdout))} figures", flush=True)
    return finished.returncode, finished.stdout, took


def throughput_sweep(python: str, directory: Path, quick: bool) -> list[tuple[int, float, float]]:
    """EvaluateCart and echo calls per second at each concurrency (one short round each)."""
    points = []
    for concurrency in CONCURRENCY:
        benchmark = Benchmark(
            f"pricing-c{concurrency}",
            "",
            ("bench_pricing.py", "--no-fail", "--concurrency", str(concurrency), "--rounds", "1"),
        )
        code, output, _ = run(python, benchmark, ("--seconds", "2" if quick else "4"), directory)
        if code not in (0, 1):
            continue
        rates = {item["name"]: float(str(item["value"])) for item in collect(output) if item["unit"] == "calls/s"}
        evaluate = rates.get(f"EvaluateCart calls/s (concurrency {concurrency})")
        echo = rates.get(f"echo calls/s (concurrency {concurrency})")
        if evaluate is not None and echo is not None:
            points.append((concurrency, evaluate, echo))
    return points


def plot_latency(figures: list[dict[str, Any]], path: Path) -> bool:
    series: dict[str, list[tuple[int, float]]] = {"p50": [], "p99": []}
    for item in figures:
        name = str(item["name"])
        if item["benchmark"] == "engine" and name.startswith("evaluate p") and "live campaigns" in name:
            label = name.split()[1].rstrip(",")
            size = int(name.split(", ")[1].split()[0])
            series.setdefault(label, []).append((size, float(str(item["value"]))))
    if not series["p50"]:
        return False
    figure, axes = plt.subplots(figsize=(7, 4.2))
    for label, points in series.items():
        points.sort()
        axes.plot([size for size, _ in points], [value for _, value in points], marker="o", label=label)
    axes.set_xscale("log")
    axes.set_xlabel("live campaigns")
    axes.set_ylabel("µs per evaluation (10-line cart)")
    axes.set_title("Engine latency against live campaigns")
    axes.set_ylim(bottom=0)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def plot_throughput(points: list[tuple[int, float, float]], path: Path) -> bool:
    if not points:
        return False
    figure, axes = plt.subplots(figsize=(7, 4.2))
    axes.plot([c for c, _, _ in points], [e for _, e, _ in points], marker="o", label="EvaluateCart")
    axes.plot([c for c, _, _ in points], [e for _, _, e in points], marker="s", label="echo (same response size)")
    axes.set_xscale("log", base=2)
    axes.set_xlabel("calls in flight")
    axes.set_ylabel("calls per second")
    axes.set_title("Pricing core throughput against concurrency (one process)")
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def markdown(
    started: datetime,
    description: dict[str, str],
    results: list[tuple[Benchmark, int, list[dict[str, Any]], float]],
    plots: list[tuple[str, str]],
    points: list[tuple[int, float, float]],
    raw: Path,
    python: str,
) -> str:
    lines = [
        f"# Benchmark report — {started:%Y-%m-%d %H:%M} UTC",
        "",
        "Measured with `python loadtests/report.py`.",
        "",
    ]
    lines += ["| machine | |", "|---|---|"] + [f"| {key} | {value} |" for key, value in description.items()]
    lines += [f"| interpreter | `{python}` |", ""]
    lines += ["## Figures", "", "| benchmark | figure | value | target | met |", "|---|---|---:|---|---|"]
    for benchmark, code, figures, _ in results:
        if not figures:
            state = "not present" if code == -1 else f"no figures (exit {code})"
            lines.append(f"| {benchmark.name} | {benchmark.title}: {state} | | | |")
        for item in figures:
            met = "" if item.get("met") is None else ("**yes**" if item["met"] else "**no**")
            value = item["value"]
            if isinstance(value, float):
                shown = f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.3g}"
            else:
                shown = f"{value:,}" if isinstance(value, int) else str(value)
            lines.append(
                f"| {benchmark.name} | {item['name']} | {shown} {item['unit']} | {item.get('target') or ''} | {met} |"
            )
    if points:
        lines += ["", "## Throughput against concurrency (pricing core, one process)", ""]
        lines += ["| in flight | EvaluateCart calls/s | echo calls/s | ratio |", "|---:|---:|---:|---:|"]
        lines += [f"| {c} | {e:,.0f} | {o:,.0f} | {e / o:.2f} |" for c, e, o in points]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{title}]({name})" for name, title in plots]
    lines += ["", "## Runs", "", "| benchmark | exit | seconds |", "|---|---:|---:|"]
    lines += [f"| {b.name} | {code} | {took:.0f} |" for b, code, _, took in results if code != -1]
    relative = raw.relative_to(REPORTS)
    lines += ["", f"The benchmarks' full outputs are in `{relative}/`."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter rounds")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHMARKS] + ["sweep"])
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run the benchmarks with")
    arguments = parser.parse_args(argv)
    started = datetime.now(UTC)
    raw = REPORTS / "runs" / started.strftime("%Y%m%d-%H%M%S")
    raw.mkdir(parents=True, exist_ok=True)
    description = machine()
    results: list[tuple[Benchmark, int, list[dict[str, Any]], float]] = []
    crashed = []
    for benchmark in BENCHMARKS:
        if arguments.only and benchmark.name not in arguments.only:
            continue
        if not (HERE / benchmark.arguments[0]).exists():
            results.append((benchmark, -1, [], 0.0))
            continue
        code, output, took = run(arguments.python, benchmark, benchmark.quick if arguments.quick else (), raw)
        if code not in (0, 1):
            crashed.append(benchmark.name)
        results.append((benchmark, code, collect(output), took))
    points = []
    if not arguments.only or "sweep" in arguments.only:
        points = throughput_sweep(arguments.python, raw, arguments.quick)
    plots = []
    every = [item for _, _, figures, _ in results for item in figures]
    if plot_latency(every, REPORTS / "latency_vs_campaigns.png"):
        plots.append(("latency_vs_campaigns.png", "Engine latency against live campaigns"))
    if plot_throughput(points, REPORTS / "throughput_vs_concurrency.png"):
        plots.append(("throughput_vs_concurrency.png", "Pricing core throughput against concurrency"))
    text = markdown(started, description, results, plots, points, raw, arguments.python)
    (raw / "report.md").write_text(text)
    for name, _ in plots:
        shutil.copy(REPORTS / name, raw / name)
    (REPORTS / "latest.md").write_text(text)
    print(f"\nreport: {REPORTS / 'latest.md'}")
    if crashed:
        print(f"crashed: {', '.join(crashed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
