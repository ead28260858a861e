#!/usr/bin/env python3
# A stand-in for systemd's notify socket, for starting Type=notify units
# without a running systemd (test/package/lib/as_unit.sh). Binds SOCKET
# (AF_UNIX datagram, writable by the unit's user), writes every message it
# gets to LOG, and exits 0 on READY=1, 1 when the daemon whose pid is in
# PIDFILE exits first or TIMEOUT seconds pass. The last STATUS= goes to stdout.
#
#   notify_wait.py SOCKET PIDFILE TIMEOUT LOG
import os
import socket
import sys
import time

path, pidfile, timeout, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)
sock.settimeout(0.2)
deadline = time.monotonic() + timeout
status = ""


def daemon_gone():
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


with open(log, "a") as out:
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096).decode(errors="replace")
        except socket.timeout:
            if daemon_gone():
                print(status or "the daemon exited before READY=1")
                sys.exit(1)
            continue
        out.write(data.rstrip("\n") + "\n")
        out.flush()
        for line in data.splitlines():
            if line.startswith("STATUS="):
                status = line[len("STATUS="):]
            if line == "READY=1":
                sys.exit(0)
print(status or "no READY=1 within %g s" % timeout)
sys.exit(1)
