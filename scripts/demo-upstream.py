#!/usr/bin/env python3
"""The dev stack's protected upstreams: each answers every request with the identity nginx passed on.

    demo-upstream.py PORT [FASTCGI_SOCKET]

An HTTP server on 127.0.0.1:PORT (behind `include snippets/gatehouse-protect.conf` and `proxy_pass`) echoes the
request headers; with FASTCGI_SOCKET, a FastCGI responder on that unix socket (behind
`include snippets/gatehouse-protect-fastcgi.conf` and `fastcgi_pass`, as PHP-FPM would be) echoes the FastCGI
parameters. Run by scripts/dev-stack.sh and the end-to-end tests, so a request reaches either only after
Gatehouse said yes.
"""
import html
import json
import os
import socketserver
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


DEMO_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo page</title></head>
<body>
<main>
<h1>Demo page</h1>
<p id="who">Signed in as <strong>{email}</strong>.</p>
<p>This page is served by the demo upstream behind <code>include snippets/gatehouse-portal.conf;</code>: it is
reached only with a valid sign-in, and it knows who you are from the <code>X-User-Email</code> header.</p>
<p>You asked for <code id="path">{path}</code>.</p>
<p><a href="/auth/portal/account">Your account</a> · <a href="/auth/portal/logout">Sign out</a></p>
</main>
</body>
</html>
"""


class Echo(BaseHTTPRequestHandler):
    def answer(self):
        if self.path.startswith("/demo/"):
            # A server-rendered page for browsers (the dev site's /demo/ location, protected by the portal snippet).
            body = DEMO_PAGE.format(email=html.escape(self.headers.get("X-User-Email", "")),
                                    path=html.escape(self.path)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        body = json.dumps({
            "path": self.path,
            "method": self.command,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


# FastCGI 1.0 (the specification's record types and layout).
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def read_exactly(stream, count):
    data = b""
    while len(data) < count:
        chunk = stream.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def name_values(data):
    """The name-value pairs of a PARAMS stream: lengths of one byte, or four with the high bit set."""
    pairs, i = {}, 0

    def length():
        nonlocal i
        if data[i] & 0x80:
            value = struct.unpack(">I", data[i:i + 4])[0] & 0x7FFFFFFF
            i += 4
        else:
            value = data[i]
            i += 1
        return value

    while i < len(data):
        n, v = length(), length()
        pairs[data[i:i + n].decode("latin-1")] = data[i + n:i + n + v].decode("latin-1")
        i += n + v
    return pairs


def record(kind, request_id, content=b""):
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), 0) + content


class FastCGIEcho(socketserver.BaseRequestHandler):
    """One request per connection (nginx's default, fastcgi_keep_conn off)."""

    def handle(self):
        params, request_id = b"", 1
        try:
            while True:
                version, kind, request_id, length, padding = struct.unpack(">BBHHBx", read_exactly(self.request, 8))
                content = read_exactly(self.request, length + padding)[:length]
                if kind == PARAMS:
                    params += content
                elif kind == STDIN and not content:
                    break
        except EOFError:
            return
        values = name_values(params)
        body = json.dumps({
            "path": values.get("REQUEST_URI", ""),
            "method": values.get("REQUEST_METHOD", ""),
            "params": values,
        }).encode()
        out = b"Status: 200 OK\r\nContent-Type: application/json\r\n\r\n" + body
        for start in range(0, len(out), 65535):
            self.request.sendall(record(STDOUT, request_id, out[start:start + 65535]))
        self.request.sendall(record(STDOUT, request_id) + record(END_REQUEST, request_id, b"\0" * 8))


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if __name__ == "__main__":
    if len(sys.argv) > 2:
        path = sys.argv[2]
        if os.path.exists(path):
            os.unlink(path)
        fcgi = UnixServer(path, FastCGIEcho)
        os.chmod(path, 0o660)
        threading.Thread(target=fcgi.serve_forever, daemon=True).start()
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
