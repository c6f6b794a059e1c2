"""The Python MCP client (the `mcp` package) against one hub endpoint, driven by tests/integration/mcp-clients.test.ts.

Usage: python mcp_client_check.py <url> (the key comes in ALKHUB_TEST_KEY). Prints one JSON object with what each
step saw; the test asserts on it. Output-schema validation is the client's own: a result that contradicts a tool's
declared outputSchema raises inside call_tool.
"""

import asyncio
import json
import os
import sys

import anyio
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def dump(result):
    return json.loads(result.model_dump_json(by_alias=True, exclude_none=True))


async def main(url: str) -> None:
    key = os.environ["ALKHUB_TEST_KEY"]
    out: dict = {}
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http:
        async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
            tools = await client.list_tools()
            out["tools"] = sorted(tool.name for tool in tools.tools)
            out["add"] = dump(await client.call_tool("math.add", {"a": 2, "b": 40}))
            out["addError"] = dump(await client.call_tool("math.add", {"a": -1, "b": 1}))
            try:
                await client.call_tool("math.nope", {})
                out["unknown"] = "no error"
            except Exception as error:  # noqa: BLE001 - the test asserts on the code
                out["unknown"] = {"code": getattr(getattr(error, "error", None), "code", None), "message": str(error)}
            progress: list = []

            async def on_progress(value, total, message):
                progress.append(value)

            out["ticks"] = dump(await client.call_tool("ticks", {"count": 3}, progress_callback=on_progress))
            out["ticksProgress"] = progress

            # Cancellation: give up on a slow call once its first progress arrives.
            started = anyio.Event()

            async def on_slow_progress(value, total, message):
                started.set()

            async with anyio.create_task_group() as group:

                async def slow():
                    await client.call_tool("slow", {"ms": 20000}, progress_callback=on_slow_progress)

                group.start_soon(slow)
                with anyio.fail_after(20):
                    await started.wait()
                group.cancel_scope.cancel()
            out["cancelled"] = True
            out["afterCancel"] = dump(await client.call_tool("math.add", {"a": 1, "b": 1}))
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
