"""A trivial grpc.aio service to measure the pricing core against: it answers every call to
`/kampanya.bench.v1.Echo/Echo` with a fixed response of a given size, doing no work at all.

Run by bench_pricing.py as `python loadtests/echo_server.py --response FILE --port 0`; it prints
`port N` once serving and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import Any

import grpc
import uvloop
from grpc import aio

METHOD = "/kampanya.bench.v1.Echo/Echo"


def handler(response: bytes) -> grpc.GenericRpcHandler:
    async def echo(request: bytes, context: Any) -> bytes:
        return response

    method: Any = grpc.unary_unary_rpc_method_handler(echo)  # bytes in, bytes out: no (de)serialization

    class Echo(grpc.GenericRpcHandler):
        def service(self, handler_call_details: grpc.HandlerCallDetails) -> Any:
            return method if handler_call_details.method == METHOD else None

    return Echo()


async def serve(response: bytes, port: int) -> None:
    server = aio.server()
    server.add_generic_rpc_handlers((handler(response),))
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"port {bound}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("--response", type=Path, required=True, help="file holding the response bytes")
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    uvloop.run(serve(arguments.response.read_bytes(), arguments.port))  # the pricing core's loop too


if __name__ == "__main__":
    main()
