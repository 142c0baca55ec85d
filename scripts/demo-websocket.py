#!/usr/bin/env python3
"""The dev stack's protected WebSocket upstream: it trusts the identity nginx passed on with the upgrade request.

    demo-websocket.py PORT

Listens on 127.0.0.1:PORT (behind `include snippets/gatehouse-protect.conf`, `proxy_http_version 1.1` and the
Upgrade/Connection headers, see nginx/dev/nginx.conf.in). nginx checks the upgrade request once with auth_request,
so on connect this service sends one JSON message with the path and the identity headers it received, then echoes
every message back. Needs the `websockets` package (Tests/e2e/requirements.txt; `make run` installs it).
Run by scripts/dev-stack.sh and the end-to-end tests.
"""
import asyncio
import json
import sys

from websockets.asyncio.server import serve

IDENTITY = ("x-user-id", "x-user-email", "x-user-roles", "x-user-permissions", "x-session-id", "x-zone",
            "x-department", "x-auth-context", "x-auth-context-signature", "x-client-id", "x-client-name",
            "authorization", "x-api-key")


async def session(socket):
    headers = socket.request.headers
    await socket.send(json.dumps({
        "path": socket.request.path,
        "headers": {name: headers[name] for name in IDENTITY if name in headers},
    }))
    async for message in socket:
        await socket.send(message)


async def main(port: int):
    async with serve(session, "127.0.0.1", port) as server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main(int(sys.argv[1])))
    except KeyboardInterrupt:
        pass
