#!/usr/bin/env python3
# tls_resumed.py IP PORT CA TLS-VERSION [PATH]: three HTTPS requests on new
# connections, the later ones offering the session the one before got;
# prints "full" or "resumed" for each handshake. Used by the server suites
# and bench poll-rate to show whether a server resumes TLS sessions.
import socket
import ssl
import sys

ip, port, ca, version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
path = sys.argv[5] if len(sys.argv) > 5 else "/healthz"
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
session, seen = None, []
for _ in range(3):
    s = ctx.wrap_socket(socket.create_connection((ip, port)), server_hostname=ip, session=session)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n".encode())
    while s.recv(4096):
        pass
    seen.append("resumed" if s.session_reused else "full")
    session = s.session
    s.close()
print(" ".join(seen))
