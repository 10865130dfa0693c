"""``stoprace serve``: the model over HTTP (AWS JSON 1.1, and RPC v2 CBOR for Translate) for the AWS CLI
and every SDK."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import (
    UsageError,
    add_job_arguments,
    add_policy_argument,
    add_stop_latency_argument,
    finite,
    race_scenario,
)


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


def _secret(text: str) -> tuple[str, str]:
    key, colon, secret = text.partition(":")
    if not colon or not key or not secret:
        raise argparse.ArgumentTypeError(f"{text!r} is not ACCESS_KEY:SECRET_KEY")
    return key, secret


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve the model over HTTP for the AWS CLI and every SDK",
        description=(
            "Answer Comprehend's and Translate's requests (AWS JSON 1.1; RPC v2 CBOR for Translate) from "
            "the model, the jobs running as the race scenario given by the options below draws them, on "
            "one shared virtual clock: with --clock manual it moves only through the control API "
            '(POST /_stoprace/clock/advance {"seconds": N}); with --clock real, --speed simulated '
            "seconds a wall second. Point a client at http://HOST:PORT (--endpoint-url, endpoint_url=, "
            "AWS_ENDPOINT_URL). Control API under /_stoprace/: health, reset, clock, clock/advance, "
            "clock/run-until-final, jobs, schedule. Stops on SIGINT or SIGTERM."
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
    from stoprace.sim.scenario import RaceScenario  # noqa: PLC0415

    defaults = RaceScenario()
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="the scenario's seed (default: %(default)s)"
    )
    add_job_arguments(parser, defaults, "time in SUBMITTED before training starts")
    add_stop_latency_argument(parser, defaults)
    add_policy_argument(parser, "model policy settings (see `stoprace model`)")
    _add_text_options(parser)
    _add_server_options(parser)
    parser.set_defaults(run=run)


#: The text jobs' options (their destinations): a TextScenario's fields of the same names.
_TEXT_OPTIONS = ("documents", "document_size", "rate", "cycle")


def _add_text_options(parser: argparse.ArgumentParser) -> None:
    from stoprace.sim.text.scenario import TextScenario  # noqa: PLC0415

    defaults = TextScenario()
    group = parser.add_argument_group(
        "jobs that process text (the seven analysis jobs and Translate's)",
        "how long they take: documents x size / rate, after their queue",
    )
    group.add_argument(
        "--documents", type=int, default=None, metavar="N", help=f"default: {defaults.documents}"
    )
    group.add_argument(
        "--document-size",
        default=None,
        metavar="DIST",
        help=f"characters (default: {defaults.document_size.spec})",
    )
    group.add_argument(
        "--rate", type=finite, default=None, metavar="CHARS", help=f"a second (default: {defaults.rate:g})"
    )
    group.add_argument(
        "--cycle", type=finite, default=None, metavar="SECONDS", help="jobs move on ticks this far apart"
    )


def _text_scenario(args: argparse.Namespace) -> Any:
    """The text jobs' scenario of the options given (None: the default one)."""
    from stoprace.sim.text.scenario import TextScenario  # noqa: PLC0415

    given = {name: getattr(args, name) for name in _TEXT_OPTIONS if getattr(args, name) is not None}
    if not given:
        return None
    try:
        return TextScenario(**given, seed=args.seed)
    except (TypeError, ValueError) as err:
        raise UsageError(str(err)) from None


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    """The state file, the signatures, the limits and the faults."""
    parser.add_argument(
        "--state-file",
        default=None,
        metavar="FILE",
        help="keep the state (jobs, clock, scheduled actions) in FILE across restarts: every acknowledged "
        "call is written before it is answered, and a restart with the same options replays it",
    )
    parser.add_argument(
        "--key",
        type=_secret,
        action="append",
        default=[],
        metavar="ACCESS_KEY:SECRET_KEY",
        help="a key pair --verify-signatures accepts (give one or more)",
    )
    parser.add_argument(
        "--verify-signatures",
        action="store_true",
        help="refuse requests whose SigV4 signature is missing or wrong, or signed by a key not given "
        "with --key, as AWS does",
    )
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


def run(args: argparse.Namespace) -> int:
    from stoprace.sim import serve  # noqa: PLC0415 - uvicorn only for this command

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be from 0 to 65535, got {args.port}")
    if args.speed <= 0:
        raise UsageError(f"--speed must be above 0, got {args.speed}")
    if args.verify_signatures and not args.key:
        raise UsageError("--verify-signatures needs at least one --key ACCESS_KEY:SECRET_KEY")
    args.stop_at, args.replications = (0.0,), 1  # the scenario's jobs; clients choose when to stop
    scenario = race_scenario(args)
    try:
        server = serve.Server(
            args.host,
            args.port,
            scenario=scenario,
            text=_text_scenario(args),
            state_file=args.state_file,
            secrets=dict(args.key) if args.verify_signatures else None,
            accounts=dict(args.account),
            speed=args.speed if args.clock == "real" else None,
            seed=args.seed,
            rate_limits=dict(args.rate_limit),
            p_server_error=args.p_server_error,
        )
    except (ImportError, ValueError) as err:
        raise UsageError(str(err)) from None
    except OSError as err:
        if err.filename is not None:  # the state file's, not the socket's
            raise UsageError(f"--state-file {err.filename}: {err.strerror or err}") from None
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    print(f"stoprace serve: {server.url} (control API: {server.url}/_stoprace/)", file=sys.stderr, flush=True)
    if args.state_file is not None:
        print(
            f"stoprace serve: {server.app.replayed} changes replayed from {args.state_file}",
            file=sys.stderr,
            flush=True,
        )
    server.serve_forever()  # until SIGINT or SIGTERM (uvicorn's graceful shutdown)
    return 0
