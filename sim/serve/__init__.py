"""``stoprace serve``: the model on the wire, for the AWS CLI and every SDK.

The same services the mock uses (each account and region's Comprehend and Translate, driven by a race
scenario's Autopilot on one shared virtual clock) answer HTTP as AWS does (:mod:`.wire`: AWS JSON 1.1 for
both services, Smithy RPC v2 CBOR for Translate), with a control API that moves time, lists the jobs and
schedules stops and faults (:mod:`.control`), per-operation rate limits and injected faults, optional
SigV4 checking, and a state file that keeps every acknowledged call across a restart (:mod:`.journal`).
uvicorn carries it (:mod:`.server`; ``pip install 'stoprace[server]'``).

For tests, :class:`Server` runs it in a thread on a free port::

    with Server() as server:
        client = boto3.client("comprehend", endpoint_url=server.url, region_name="us-east-1")
        ...
        server.advance(3600)
"""

from .app import MAX_BODY, ServerApp
from .server import SERVER_INSTALL_HINT, Server

__all__ = ["MAX_BODY", "SERVER_INSTALL_HINT", "Server", "ServerApp"]
