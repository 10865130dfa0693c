"""``stoprace serve``: the model over HTTP (AWS JSON 1.1) for the AWS CLI and every SDK."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import UsageError, finite


def _account(text: str) -> tuple[str, str]:
    key, eq, account = text.partition("=")
    if not eq or not key or not (account.isdigit() and len(account) == 12):
        raise argparse.ArgumentTypeError(f"{text!r} is not ACCESS_KEY=ACCOUNT (a 12-digit account)")
    return key, account


def _limit(text: str) -> tuple[str, tuple[float, int]]:
    name, eq, value = text.partition("=")
    rate, _, burst = value.partition(":")
    try:
        parsed = (float(rate), int(burst or "1"))
    except ValueError:
        parsed = (0.0, 0)
    if not eq or not name or not parsed[0] > 0 or parsed[1] < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not OPERATION=RATE:BURST (rate > 0, a whole burst >= 1)"
        )
    return name, parsed


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve the model over HTTP for the AWS CLI and every SDK",
        description=(
            "Answer Comprehend's and Translate's AWS JSON 1.1 requests (X-Amz-Target) from the model, on "
            "one shared virtual clock: with --clock manual it moves only through the control API "
            '(POST /_stoprace/clock/advance {"seconds": N}); with --clock real, --speed simulated '
            "seconds a wall second. Point a client at http://HOST:PORT (--endpoint-url, endpoint_url=, "
            "AWS_ENDPOINT_URL). Control API under /_stoprace/: health, reset, clock, clock/advance, "
            "clock/run-until-final, jobs."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=5055, help="port (default: %(default)s; 0: a free one)")
    parser.add_argument("--clock", choices=("manual", "real"), default="manual", help="default: %(default)s")
    parser.add_argument(
        "--speed", type=finite, default=1.0, metavar="K", help="with --clock real: simulated seconds a second"
    )
    parser.add_argument(
        "--account",
        type=_account,
        action="append",
        default=[],
        metavar="KEY=ACCOUNT",
        help="the account of requests signed with access key KEY (default: 123456789012)",
    )
    parser.add_argument("--seed", type=int, default=None, help="the scenario's seed (default: its own)")
    parser.add_argument(
        "--rate-limit",
        type=_limit,
        action="append",
        default=[],
        metavar="OPERATION=RATE:BURST",
        help="answer TooManyRequestsException over RATE calls a second (BURST at once) of OPERATION "
        "(its API name: DescribeDocumentClassifier), across every account",
    )
    parser.add_argument(
        "--p-server-error", type=finite, default=0.0, metavar="P", help="chance a call fails with a 500"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stoprace.sim import serve  # noqa: PLC0415 - werkzeug only for this command

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {args.port}")
    if args.speed <= 0:
        raise UsageError(f"--speed must be above 0, got {args.speed}")
    try:
        server = serve.Server(
            args.host,
            args.port,
            accounts=dict(args.account),
            speed=args.speed if args.clock == "real" else None,
            seed=args.seed,
            rate_limits=dict(args.rate_limit),
            p_server_error=args.p_server_error,
        )
    except (ImportError, ValueError) as err:
        raise UsageError(str(err)) from None
    except OSError as err:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    print(f"stoprace serve: {server.url} (control API: {server.url}/_stoprace/)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
