#!/usr/bin/python3
# tls_peer.py ADDRESS CERT KEY DOCROOT: a throw-away HTTPS peer for
# unit_updater's transport tests only (not a stand-in for uun-server). Prints
# the port it listens on, then serves until killed. Paths:
#   POST /v1/poll        {"entries": [], "more": false, "peer": <client address>}
#   POST /redirect       302 to /v1/poll
#   POST /html           an HTML page
#   POST /endless        a body that never ends
#   POST /slow           a body trickling at 2 bytes per second
#   POST /hang           headers never come
#   GET  /v1/payloads/X  DOCROOT/X with single-range support
import http.server
import json
import os
import re
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length:
            self.rfile.read(length)
        if self.path == "/v1/poll":
            self.send_json(200, {"entries": [], "more": False, "peer": self.client_address[0]})
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/v1/poll")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/html":
            body = b"<html><body>It works!</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * 65536
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
        elif self.path == "/hang":
            time.sleep(30)
            self.close_connection = True
        else:
            self.send_json(404, {"error": "unknown path"})

    def do_GET(self):
        m = re.fullmatch(r"/v1/payloads/([0-9a-f]{64})", self.path)
        path = os.path.join(DOCROOT, m.group(1)) if m else None
        if not path or not os.path.isfile(path):
            self.send_json(404, {"error": "unknown payload"})
            return
        with open(path, "rb") as f:
            data = f.read()
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng:
            r = re.fullmatch(r"bytes=(\d+)-", rng)
            if not r or int(r.group(1)) >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start, status = int(r.group(1)), 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.end_headers()
        self.wfile.write(data[start:])


address, cert, key, DOCROOT = sys.argv[1:5]
server = http.server.ThreadingHTTPServer((address, 0), Handler)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
