"""``stoprace serve`` against moto's server mode, answering the same calls in the same run.

Run: ``python bench/serve_throughput.py [--seconds 3]`` (needs ``pip install -e '.[server,aws]'`` and
``'moto[server]'``). For each server (stoprace's :class:`~stoprace.sim.serve.Server` and moto's
``ThreadedMotoServer``, each in this process's threads, as a test would run it), one classifier is created,
then ``DescribeDocumentClassifier`` is asked of it:

1. by the lean keep-alive generator (``bench/loadgen.py``, in its own process) over 1, 8 and 32 connections;
2. by 1 and 8 boto3 clients (one thread each, in their own process), as a test suite would call it.

Prints requests a second, p50 and p99 latency (ms) and the ratio stoprace / moto. The targets: five times
moto's throughput under the same generator, and p99 at 32 connections below moto's p50 there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROLE = "arn:aws:iam::123456789012:role/comprehend"


def _client(url: str) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.client(
        "comprehend",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
    )


def _create(url: str) -> str:
    return _client(url).create_document_classifier(
        DocumentClassifierName="news",
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": "s3://training-data/news.csv"},
        LanguageCode="en",
    )["DocumentClassifierArn"]


def boto3_clients(url: str, arn: str, clients: int, seconds: float) -> dict[str, float]:
    """``clients`` threads, each its own boto3 client, describing ``arn`` for ``seconds``."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work() -> None:
        client, mine = _client(url), []
        while (start := time.perf_counter()) < deadline:
            client.describe_document_classifier(DocumentClassifierArn=arn)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
    }


def measure(host: str, port: int, seconds: float) -> dict[str, dict[str, float]]:
    url = f"http://{host}:{port}"
    arn = _create(url)
    body = json.dumps({"DocumentClassifierArn": arn})
    rows = {}
    for connections in (1, 8, 32):
        out = subprocess.run(
            [
                sys.executable,
                str(HERE / "loadgen.py"),
                host,
                str(port),
                "--connections",
                str(connections),
                "--seconds",
                str(seconds),
                "--target",
                "Comprehend_20171127.DescribeDocumentClassifier",
                "--body",
                body,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds * 10 + 60,
        )
        rows[f"raw x{connections}"] = json.loads(out.stdout)
    for clients in (1, 8):
        out = subprocess.run(
            [sys.executable, __file__, "--boto3", url, arn, str(clients), str(seconds)],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds * 10 + 60,
        )
        rows[f"boto3 x{clients}"] = json.loads(out.stdout)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="stoprace serve against moto's server mode")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of load per row (default 3)")
    parser.add_argument("--boto3", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.boto3:
        url, arn, clients, seconds = args.boto3
        print(json.dumps(boto3_clients(url, arn, int(clients), float(seconds))))
        return
    import logging  # noqa: PLC0415

    from moto.server import ThreadedMotoServer  # noqa: PLC0415

    from stoprace.sim.serve import Server  # noqa: PLC0415

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    results = {}
    with Server() as ours:
        results["stoprace"] = measure(ours.host, ours.port, args.seconds)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        results["moto"] = measure(host, port, args.seconds)
    finally:
        moto.stop()
    print(f"{'load':<10} {'server':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for row in results["stoprace"]:
        for name in ("stoprace", "moto"):
            r = results[name][row]
            print(
                f"{row:<10} {name:<9} {r['requests_per_second']:8.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}"
            )
        ratio = results["stoprace"][row]["requests_per_second"] / results["moto"][row]["requests_per_second"]
        print(f"{row:<10} {'ratio':<9} {ratio:8.1f}x")
    ours32, moto32 = results["stoprace"]["raw x32"], results["moto"]["raw x32"]
    print(
        f"goal: throughput >= 5x moto at every raw row; p99 at 32 connections {ours32['p99_ms']:.2f} ms "
        f"< moto's p50 {moto32['p50_ms']:.2f} ms: "
        + ("met" if ours32["p99_ms"] < moto32["p50_ms"] else "NOT met")
    )


if __name__ == "__main__":
    main()
