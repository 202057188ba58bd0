"""One command for a load run: a fresh catalog database on the configured PostgreSQL, a Redis of the run's
own (or the configured one), the data set seeded, two pricing-core replicas and a gateway started, Locust
headless for a set time and user count, then the report, the invariant check and the thresholds.

    python loadtests/run.py                          # 10,000 campaigns, 100,000 customers, 20 users, 2 min
    python loadtests/run.py --smoke                  # CI: small data set, 30 s, 6 users, no latency thresholds
    python loadtests/run.py --fault redis-restart    # also: pricing-restart, postgres-outage
    python loadtests/run.py --users 100 --time 5m --postgres postgres://postgres@db:5432

Writes into `--out` (default loadtests/out/<time>): Locust's CSV files (`locust_stats.csv`, history,
failures), `locust.json`, `report.html` (with the pricing cores' server-side latency histograms appended),
`summary.json`, `summary.md`, the services' logs and the manifest. Exit 1 when a threshold
(`loadtests/thresholds.toml`) is missed, anything failed (smoke), or an invariant is broken (always).

`--use-running` skips starting services: give `--gateway`, `--pricing` (comma separated), `--database-url`,
`--redis-url` and the secrets (`--admin-key`, `--publishable-key`, `--customer-secret`, `--pricing-token`);
`--no-seed` uses the data already there (with `--manifest` from an earlier seed).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import html
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from invariants import check_deployment, print_report
from prometheus_client.parser import text_string_to_metric_families
from seed import Scale, seed
from tcp_proxy import TcpProxy, free_port

from domain.access import Role
from domain.store import Store

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
CUSTOMER_SECRET = "loadtest-customer-token-secret-0123456789"
PUBLISHABLE_KEY = "pk_loadtest_web"
FAULTS = ("redis-restart", "pricing-restart", "postgres-outage")


# -- processes ------------------------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    command: list[str]
    environment: dict[str, str]
    log: Path
    port: int
    metrics_port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        output = self.log.open("ab")
        self.process = subprocess.Popen(self.command, env=self.environment, stdout=output, stderr=subprocess.STDOUT)
        output.close()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_for_port(service: Service, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            break
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", service.port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{service.name} did not start:\n{service.tail()}")


def wait_for_http(url: str, service: Service, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{service.name} did not answer {url}:\n{service.tail()}")


@dataclass
class Deployment:
    out: Path
    database_url: str
    redis_url: str | None
    pricing: list[Service] = field(default_factory=list)
    gateway: Service | None = None
    redis: Service | None = None
    proxy: TcpProxy | None = None
    dropped_database: tuple[str, str] | None = None

    def stop(self) -> None:
        for service in [self.gateway, *self.pricing, self.redis]:
            if service is not None:
                service.stop()


def start_redis(out: Path) -> Service:
    port = free_port()
    executable = shutil.which("redis-server") or "redis-server"
    command = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    redis = Service("redis", command, dict(os.environ), out / "redis.log", port)
    redis.start()
    wait_for_port(redis)
    return redis


def service_environment(deployment: Deployment, database_url: str, token: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAMPANYA_")} | {
        "KAMPANYA_ENV": "development",
        "KAMPANYA_DATABASE_URL": database_url,
        "KAMPANYA_PRICING_TOKEN": token,
        "KAMPANYA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPOSITORY),
    }
    if deployment.redis_url:
        environment["KAMPANYA_REDIS_URL"] = deployment.redis_url
    return environment


def start_services(deployment: Deployment, token: str, replicas: int) -> None:
    """Two (or `replicas`) pricing cores and a gateway in front of them, as separate processes."""
    database_url = deployment.database_url
    if deployment.proxy is not None:
        parts = urlsplit(database_url)
        netloc = (
            f"{parts.username}@127.0.0.1:{deployment.proxy.port}"
            if parts.username
            else f"127.0.0.1:{deployment.proxy.port}"
        )
        database_url = urlunsplit(parts._replace(netloc=netloc))
    environment = service_environment(deployment, database_url, token)
    for index in range(replicas):
        port, metrics = free_port(), free_port()
        command = [sys.executable, "-m", "kampanya", "pricing", "--port", str(port), "--metrics-port", str(metrics)]
        core = Service(
            f"pricing-{index + 1}", command, environment, deployment.out / f"pricing-{index + 1}.log", port, metrics
        )
        core.start()
        deployment.pricing.append(core)
    for core in deployment.pricing:
        wait_for_port(core)
    port = free_port()
    gateway_environment = environment | {
        "KAMPANYA_PRICING_ADDR": "ipv4:" + ",".join(f"127.0.0.1:{core.port}" for core in deployment.pricing),
        "KAMPANYA_CUSTOMER_TOKEN_SECRET": CUSTOMER_SECRET,
        "KAMPANYA_PUBLISHABLE_KEYS": json.dumps({PUBLISHABLE_KEY: "web"}),
        "KAMPANYA_MAX_BODY_BYTES": str(1 << 20),
        "KAMPANYA_TRUST_FORWARDED": "true",
    }
    gateway = Service(
        "gateway",
        [sys.executable, "-m", "kampanya", "gateway", "--port", str(port)],
        gateway_environment,
        deployment.out / "gateway.log",
        port,
    )
    gateway.start()
    deployment.gateway = gateway
    wait_for_http(f"http://127.0.0.1:{port}/healthz", gateway)


async def fresh_database(server: str) -> tuple[str, tuple[str, str]]:
    name = f"kampanya_loadtest_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(server, database="postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}")), (server, name)


async def drop_database(server: str, name: str) -> None:
    connection = await asyncpg.connect(server, database="postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def admin_key(database_url: str) -> str:
    async with await Store.open(database_url) as store:
        _, secret = await store.api_keys.create("loadtest", Role.ADMIN, created_by="loadtest")
        return secret


# -- measurements ---------------------------------------------------------------------------------------------


def scrape(core: Service) -> dict[tuple[str, float], float]:
    """The pricing core's RPC latency histogram: (method, bucket upper bound) -> cumulative count."""
    assert core.metrics_port is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{core.metrics_port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    buckets: dict[tuple[str, float], float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "kampanya_pricing_rpc_seconds":
            continue
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                key = (sample.labels["method"], float(sample.labels["le"]))
                buckets[key] = buckets.get(key, 0.0) + sample.value
    return buckets


def server_quantiles(before: dict[tuple[str, float], float], after: dict[tuple[str, float], float]) -> dict[str, Any]:
    """Per RPC: calls and p50 / p95 / p99 in seconds (interpolated within the histogram's buckets)."""
    methods = sorted({method for method, _ in after})
    answer: dict[str, Any] = {}
    for method in methods:
        bounds = sorted(bound for name, bound in after if name == method)
        counts = [after[(method, bound)] - before.get((method, bound), 0.0) for bound in bounds]
        total = counts[-1] if counts else 0.0
        if total <= 0:
            continue
        quantiles: dict[str, Any] = {"calls": int(total)}
        for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            wanted = fraction * total
            lower_bound, lower_count = 0.0, 0.0
            for bound, count in zip(bounds, counts, strict=True):
                if count >= wanted:
                    if bound == float("inf"):
                        quantiles[label] = lower_bound
                    else:
                        share = (wanted - lower_count) / (count - lower_count) if count > lower_count else 1.0
                        quantiles[label] = lower_bound + (bound - lower_bound) * share
                    break
                lower_bound, lower_count = bound, count
        answer[method] = quantiles
    return answer


def merged(scrapes: Sequence[dict[tuple[str, float], float]]) -> dict[tuple[str, float], float]:
    total: dict[tuple[str, float], float] = {}
    for one in scrapes:
        for key, value in one.items():
            total[key] = total.get(key, 0.0) + value
    return total


def locust_rows(prefix: Path) -> list[dict[str, str]]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as source:
        return list(csv.DictReader(source))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # Locust writes N/A where it has no figure
        return 0.0


def client_figures(rows: Sequence[dict[str, str]]) -> dict[str, Any]:
    figures = {}
    for row in rows:
        name = f"{row['Type']} {row['Name']}".strip()
        requests = int(row["Request Count"])
        failures = int(row["Failure Count"])
        figures[name] = {
            "requests": requests,
            "failures": failures,
            "failure_ratio": failures / requests if requests else 0.0,
            "p50": _number(row["50%"]),
            "p95": _number(row["95%"]),
            "p99": _number(row["99%"]),
            "rps": _number(row["Requests/s"]),
        }
    return figures


def judge(figures: dict[str, Any], server: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """The thresholds a normal run missed: failure ratio and client percentiles per request, server
    percentiles per RPC."""
    misses = []
    default = thresholds.get("default", {})
    for name, figure in figures.items():
        if name.strip() == "Aggregated" or not figure["requests"]:
            continue
        limits = default | thresholds.get(name, {})
        if figure["failure_ratio"] > limits["failure_ratio"]:
            misses.append(f"{name}: failure ratio {figure['failure_ratio']:.4f} > {limits['failure_ratio']}")
        for label in ("p50", "p95", "p99"):
            if label in limits and figure[label] > limits[label]:
                misses.append(f"{name}: {label} {figure[label]:.0f} ms > {limits[label]} ms")
    for method, limits in thresholds.get("server", {}).items():
        measured = server.get(method)
        for label, limit in limits.items():
            if measured is not None and label in measured and measured[label] > limit:
                misses.append(f"server {method}: {label} {measured[label] * 1000:.2f} ms > {limit * 1000:.2f} ms")
    return misses


def failure_timeline(prefix: Path, fault_at: float | None) -> dict[str, Any] | None:
    """From Locust's per-second history: the failures clients saw after the fault began, and how long after
    it the last of them happened (the time to recover, outage included)."""
    if fault_at is None:
        return None
    path = prefix.parent / f"{prefix.name}_stats_history.csv"
    last_failures, first_after, last_increase = 0, None, None
    with path.open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if row["Name"] != "Aggregated":
                continue
            stamp, failures = float(row["Timestamp"]), int(row["Total Failure Count"])
            if stamp >= fault_at and first_after is None:
                first_after = last_failures
            if failures > last_failures and stamp >= fault_at:
                last_increase = stamp
            last_failures = failures
    seen = last_failures - (first_after or 0)
    return {
        "client_errors_after_fault": seen,
        "seconds_to_recover": round(last_increase - fault_at, 1) if last_increase is not None else 0.0,
    }


def recovery_misses(timeline: dict[str, Any] | None, outage: float, thresholds: dict[str, Any]) -> list[str]:
    """A fault run fails when clients still see errors too long after the fault ended (failures during the
    outage are what the scenario is about: they are reported, not judged)."""
    if timeline is None:
        return ["the fault was not injected"]
    allowed = outage + float(thresholds.get("default", {}).get("fault_recovery_seconds", 15))
    if timeline["seconds_to_recover"] > allowed:
        return [f"clients saw errors {timeline['seconds_to_recover']} s after the fault began (allowed: {allowed} s)"]
    return []


# -- faults ---------------------------------------------------------------------------------------------------


def inject(fault: str, deployment: Deployment, outage: float) -> None:
    """Run the fault in this thread (the Locust process keeps loading meanwhile)."""
    if fault == "redis-restart":
        assert deployment.redis is not None
        deployment.redis.stop()
        time.sleep(outage)
        deployment.redis.start()
        wait_for_port(deployment.redis)
    elif fault == "pricing-restart":
        core = deployment.pricing[0]
        core.stop()
        time.sleep(outage)
        core.start()
        wait_for_port(core)
    elif fault == "postgres-outage":
        assert deployment.proxy is not None
        deployment.proxy.cut()
        time.sleep(outage)
        deployment.proxy.restore()


# -- the run --------------------------------------------------------------------------------------------------


def run_locust(out: Path, manifest: Path, arguments: argparse.Namespace) -> subprocess.Popen[bytes]:
    prefix = out / "locust"
    command = [
        sys.executable, "-m", "locust",
        "-f", str(HERE / "locustfile.py"),
        "--headless", "--only-summary",
        "-u", str(arguments.users), "-r", str(arguments.spawn_rate), "-t", arguments.time,
        "--stop-timeout", "10",
        "--csv", str(prefix), "--html", str(out / "report.html"), "--json-file", str(out / "locust"),
        "--exit-code-on-error", "0",
        "--manifest", str(manifest), "--host", json.loads(manifest.read_text())["gateway"],
    ]  # fmt: skip
    environment = dict(os.environ) | {"PYTHONPATH": f"{REPOSITORY}{os.pathsep}{HERE}"}
    output = (out / "locust.log").open("ab")
    process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    output.close()
    return process


def seconds_of(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)


def write_report(out: Path, summary: dict[str, Any]) -> None:
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = [f"# Load run {summary['started']}", "", f"{summary['description']}", ""]
    lines += ["| request | requests | failures | p50 ms | p95 ms | p99 ms | req/s |", "|---|---|---|---|---|---|---|"]
    for name, figure in summary["client"].items():
        lines.append(
            f"| {name} | {figure['requests']} | {figure['failures']} | {figure['p50']:.0f} | {figure['p95']:.0f}"
            f" | {figure['p99']:.0f} | {figure['rps']:.1f} |"
        )
    lines += ["", "Server side (pricing cores' histograms, all replicas):", ""]
    lines += ["| RPC | calls | p50 ms | p95 ms | p99 ms |", "|---|---|---|---|---|"]
    for method, figure in summary["server"].items():
        lines.append(
            f"| {method} | {figure['calls']} | {figure.get('p50', 0) * 1000:.2f} | {figure.get('p95', 0) * 1000:.2f}"
            f" | {figure.get('p99', 0) * 1000:.2f} |"
        )
    if summary.get("fault"):
        lines += ["", f"Fault: {summary['fault']} — {json.dumps(summary['fault_result'])}"]
    lines += ["", f"Invariants: {summary['invariants']}", "", "Verdict: " + ("PASS" if summary["ok"] else "FAIL")]
    lines += [f"- {miss}" for miss in summary["misses"]]
    markdown = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(markdown)
    report = out / "report.html"
    if report.exists():
        rows = "".join(
            f"<tr><td>{html.escape(method)}</td><td>{figure['calls']}</td>"
            + "".join(f"<td>{figure.get(label, 0) * 1000:.3f}</td>" for label in ("p50", "p95", "p99"))
            + "</tr>"
            for method, figure in summary["server"].items()
        )
        section = (
            "<section style='margin:2em'><h2>Pricing core, server side (Prometheus histograms)</h2>"
            "<table border='1' cellpadding='4'><tr><th>RPC</th><th>calls</th><th>p50 ms</th><th>p95 ms</th>"
            f"<th>p99 ms</th></tr>{rows}</table><p>Invariants: {html.escape(str(summary['invariants']))}</p></section>"
        )
        page = report.read_text(encoding="utf-8")
        report.write_text(page.replace("</body>", section + "</body>") if "</body>" in page else page + section)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI: small data set, 30 s, 6 users, no latency thresholds")
    parser.add_argument("--users", type=int)
    parser.add_argument("--spawn-rate", type=float)
    parser.add_argument("--time", help="Locust run time, e.g. 30s, 2m")
    parser.add_argument("--campaigns", type=int)
    parser.add_argument("--customers", type=int)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--fault", choices=FAULTS)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds a fault lasts")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KAMPANYA_LOADTEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database-url", help="use this catalog database instead of a fresh one")
    parser.add_argument("--redis-url", help="use this Redis (default: a Redis of the run's own on a free port)")
    parser.add_argument("--no-redis", action="store_true", help="SQL counters, polling only")
    parser.add_argument("--use-running", action="store_true")
    parser.add_argument("--gateway")
    parser.add_argument("--pricing")
    parser.add_argument("--admin-key")
    parser.add_argument("--publishable-key", default=PUBLISHABLE_KEY)
    parser.add_argument("--customer-secret", default=CUSTOMER_SECRET)
    parser.add_argument("--pricing-token")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--manifest", type=Path, help="with --no-seed: the manifest of an earlier seed")
    parser.add_argument("--thresholds", type=Path, default=HERE / "thresholds.toml")
    parser.add_argument("--keep", action="store_true", help="keep the fresh database afterwards")
    parser.add_argument("--out", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.smoke:
        arguments.users = arguments.users or 6
        arguments.spawn_rate = arguments.spawn_rate or 6
        arguments.time = arguments.time or "30s"
    arguments.users = arguments.users or 20
    arguments.spawn_rate = arguments.spawn_rate or 10
    arguments.time = arguments.time or "2m"
    if arguments.fault == "redis-restart" and (arguments.redis_url or arguments.no_redis):
        parser.error("--fault redis-restart restarts the run's own Redis: leave out --redis-url and --no-redis")
    if arguments.use_running and not (
        arguments.gateway and arguments.pricing and arguments.database_url and arguments.admin_key
    ):
        parser.error("--use-running needs --gateway, --pricing, --database-url and --admin-key")

    started = datetime.now(UTC)
    out: Path = arguments.out or HERE / "out" / started.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    deployment = Deployment(out, arguments.database_url or "", arguments.redis_url)
    token = arguments.pricing_token or secrets.token_urlsafe(24)
    try:
        if not arguments.database_url:
            deployment.database_url, deployment.dropped_database = asyncio.run(fresh_database(arguments.postgres))
        if not arguments.use_running and not arguments.redis_url and not arguments.no_redis:
            deployment.redis = start_redis(out)
            deployment.redis_url = f"redis://127.0.0.1:{deployment.redis.port}/0"
        scale = Scale.smoke() if arguments.smoke else Scale()
        if arguments.campaigns is not None or arguments.customers is not None:
            scale = Scale(
                **{
                    **scale.__dict__,
                    **{
                        key: value
                        for key, value in (("campaigns", arguments.campaigns), ("customers", arguments.customers))
                        if value is not None
                    },
                }
            )
        if arguments.no_seed:
            if arguments.manifest is None:
                parser.error("--no-seed needs --manifest")
            data = json.loads(arguments.manifest.read_text())
        else:
            print(f"seeding {scale} into {deployment.database_url} ...", flush=True)
            data = asyncio.run(seed(deployment.database_url, scale))
            print(f"seeded in {data['seeded_in_seconds']} s: {data['counts']}", flush=True)
        if arguments.fault == "postgres-outage":
            parts = urlsplit(deployment.database_url)
            deployment.proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        if arguments.use_running:
            gateway_url, pricing = arguments.gateway, arguments.pricing.split(",")
            key = arguments.admin_key
        else:
            key = asyncio.run(admin_key(deployment.database_url))
            start_services(deployment, token, arguments.replicas)
            assert deployment.gateway is not None
            gateway_url = f"http://127.0.0.1:{deployment.gateway.port}"
            pricing = [f"127.0.0.1:{core.port}" for core in deployment.pricing]
        manifest = data | {
            "gateway": gateway_url,
            "pricing": pricing,
            "pricing_token": token,
            "admin_key": key,
            "publishable_key": arguments.publishable_key,
            "customer_token_secret": arguments.customer_secret,
        }
        manifest_path = out / "manifest.json"
        manifest_path.write_text(json.dumps(manifest))
        cores = deployment.pricing
        before = merged([scrape(core) for core in cores]) if cores else {}
        print(f"locust: {arguments.users} users for {arguments.time} against {gateway_url} and {pricing}", flush=True)
        locust = run_locust(out, manifest_path, arguments)
        fault_at = None
        if arguments.fault:
            time.sleep(seconds_of(arguments.time) / 3)
            fault_at = time.time()
            print(f"fault: {arguments.fault} for {arguments.outage} s", flush=True)
            inject(arguments.fault, deployment, arguments.outage)
        locust.wait()
        after = merged([scrape(core) for core in cores]) if cores else {}
        report = asyncio.run(check_deployment(deployment.database_url, deployment.redis_url))
        print_report(report)
        figures = client_figures(locust_rows(out / "locust"))
        server = server_quantiles(before, after)
        thresholds = tomllib.loads(arguments.thresholds.read_text())
        if arguments.smoke and not arguments.fault:
            misses = [
                f"{name}: {figure['failures']} failures"
                for name, figure in figures.items()
                if figure["failures"] and name.strip() != "Aggregated"
            ]
            if not any(figure["requests"] for name, figure in figures.items() if name.startswith("grpc ")):
                misses.append("no gRPC request was made")
        elif arguments.fault:
            misses = recovery_misses(failure_timeline(out / "locust", fault_at), arguments.outage, thresholds)
        else:
            misses = judge(figures, server, thresholds)
        misses += report.problems
        if locust.returncode not in (0, None):
            misses.append(f"locust exited with {locust.returncode} (see {out / 'locust.log'})")
        summary = {
            "started": started.isoformat(timespec="seconds"),
            "description": (
                f"{arguments.users} users, {arguments.time}, {len(pricing)} pricing cores, data set {data['counts']}"
                + (" (smoke: no latency thresholds)" if arguments.smoke else "")
            ),
            "client": figures,
            "server": server,
            "fault": arguments.fault,
            "fault_result": failure_timeline(out / "locust", fault_at),
            "invariants": f"{report.campaigns_checked} limited campaigns checked, {report.granted_uses} uses granted, "
            + ("all hold" if report.ok else f"{len(report.problems)} broken"),
            "misses": misses,
            "ok": not misses,
        }
        write_report(out, summary)
        print((out / "summary.md").read_text())
        print(f"report: {out / 'report.html'}")
        return 0 if not misses else 1
    finally:
        deployment.stop()
        if deployment.dropped_database and not arguments.keep:
            asyncio.run(drop_database(*deployment.dropped_database))


if __name__ == "__main__":
    sys.exit(main())
