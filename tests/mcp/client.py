"""An AI agent's view of `astc serve`: the official MCP Python SDK lists the tools of a
component and calls them, over stdio (`astc serve FILE --mcp`) or streamable HTTP (a URL).

Usage: client.py (stdio | URL) ASTC FILE. Prints a transcript that tests/serve.rs compares
with tests/mcp/expected.txt. The SDK itself checks every structured result against the
tool's output schema, and fails the call if it does not conform.
"""

import asyncio
import json
import sys

from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

CALLS = [
    ("api_add", {"a": 2, "b": 40}),
    ("api_move-point", {"p": {"x": 1, "y": 2}, "dx": 3}),
    ("api_move-point", {"p": {"x": 1, "y": 2, "label": "home"}, "dx": -1}),
    ("api_area", {"s": {"tag": "circle", "value": 1.0}}),
    ("api_next-color", {"c": "blue"}),
    ("api_toggle", {"p": ["read"]}),
    ("api_find", {"xs": ["a", "b"], "needle": "b"}),
    ("api_nested", {}),
    ("api_divide", {"a": 7, "b": 2}),
    ("api_divide", {"a": 1, "b": 0}),
    ("api_lookup", {"key": "k"}),
    ("api_swap", {"t": ["x", 1]}),
    ("hello", {"name": "agent"}),
    # Mistakes an agent makes: each is a tool error it can read and correct.
    ("api_add", {"a": -1, "b": 2}),
    ("api_add", {"a": 1}),
    ("api_add", {"a": 1, "b": 2, "c": 3}),
    ("api_not-a-number", {}),
]


def show(value):
    return json.dumps(value, sort_keys=True)


async def transcript(session):
    await session.initialize()
    tools = (await session.list_tools()).tools
    print(f"{len(tools)} tools")
    for t in tools:
        print(f"tool {t.name}: {t.title}")
        print(f"  description: {t.description}")
        print(f"  input: {show(t.input_schema)}")
        if t.output_schema is not None:
            print(f"  output: {show(t.output_schema)}")
    for name, args in CALLS:
        r = await session.call_tool(name, args)
        texts = [c.text for c in r.content]
        print(f"call {name} {show(args)}")
        print(f"  is_error: {r.is_error}; structured: {show(r.structured_content)}; text: {show(texts)}")
    try:
        await session.call_tool("no-such-tool", {})
        print("call no-such-tool: answered")
    except MCPError as e:
        print(f"call no-such-tool: error {e.code}: {e.message}")


async def main():
    transport, astc, file = sys.argv[1:4]
    if transport == "stdio":
        params = StdioServerParameters(command=astc, args=["serve", file, "--mcp"])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await transcript(session)
    else:
        async with streamable_http_client(transport) as (read, write):
            async with ClientSession(read, write) as session:
                await transcript(session)


asyncio.run(main())
