"""A lean keep-alive HTTP load generator: one process, one selector, N connections, one request bytes.

Each connection sends the same request, reads the response (its headers, then ``Content-Length`` bytes)
and sends again, for ``seconds`` (a server that answers ``Connection: close`` gets a new connection, and
the reconnects are counted); nothing is parsed beyond that, so the generator costs the server as
little as a generator can. Used by ``bench/serve_throughput.py``; run alone::

    python bench/loadgen.py HOST PORT --connections 8 --seconds 5 \
        --target Comprehend_20171127.ListDocumentClassifiers
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import time


def request_bytes(host: str, port: int, target: str, body: bytes) -> bytes:
    """An AWS JSON 1.1 request for ``target`` with a SigV4-shaped scope (as an SDK signs it)."""
    service = "translate" if target.startswith("AWSShine") else "comprehend"
    return (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        f"X-Amz-Target: {target}\r\n"
        "X-Amz-Date: 20261207T120000Z\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/"
        f"{service}/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def run(host: str, port: int, request: bytes, connections: int, seconds: float) -> dict[str, float]:
    """Drive ``connections`` keep-alive connections for ``seconds``: requests a second, latency
    percentiles (ms), and the count of answers that were not 200."""
    selector = selectors.DefaultSelector()
    state: dict[socket.socket, list] = {}
    for _ in range(connections):
        sock = _connect(host, port, selector)
        state[sock] = [bytearray(), time.perf_counter()]
        sock.send(request)
    latencies: list[float] = []
    failed = reconnects = 0
    start = time.perf_counter()
    deadline = start + seconds
    while state:
        for key, _ in selector.select(timeout=1.0):
            sock = key.fileobj
            buffer, sent = state[sock]  # type: ignore[index]
            chunk = sock.recv(65536)  # type: ignore[union-attr]
            if not chunk:
                raise ConnectionError("the server closed a keep-alive connection")
            buffer += chunk
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                continue
            head = bytes(buffer[:head_end]).lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
            if len(buffer) < head_end + 4 + length:
                continue
            now = time.perf_counter()
            latencies.append(now - sent)
            failed += not head.startswith(b"http/1.1 200") and not head.startswith(b"http/1.0 200")
            del buffer[: head_end + 4 + length]
            if b"connection: close" in head:  # a server without keep-alive: a new connection each time
                selector.unregister(sock)
                sock.close()  # type: ignore[union-attr]
                del state[sock]  # type: ignore[arg-type]
                reconnects += 1
                if now < deadline:
                    sock = _connect(host, port, selector)
                    state[sock] = [bytearray(), time.perf_counter()]
                    sock.send(request)
                continue
            if now < deadline:
                state[sock][1] = now  # type: ignore[index]
                sock.send(request)  # type: ignore[union-attr]
            else:
                selector.unregister(sock)
                sock.close()  # type: ignore[union-attr]
                del state[sock]  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests_per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "requests": len(latencies),
        "not_200": failed,
        "reconnects": reconnects,
    }


def _connect(host: str, port: int, selector: selectors.BaseSelector) -> socket.socket:
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    selector.register(sock, selectors.EVENT_READ)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--target", default="Comprehend_20171127.ListDocumentClassifiers")
    parser.add_argument("--body", default="{}")
    args = parser.parse_args()
    request = request_bytes(args.host, args.port, args.target, args.body.encode())
    print(json.dumps(run(args.host, args.port, request, args.connections, args.seconds)))


if __name__ == "__main__":
    main()
