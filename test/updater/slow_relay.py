#!/usr/bin/env python3
# slow_relay.py LISTEN_IP LISTEN_PORT SERVER_IP SERVER_PORT BYTES_PER_SECOND:
# a TCP relay for test/updater/install.sh. It passes the client's bytes on at
# once and the server's at no more than BYTES_PER_SECOND, so a payload
# download through it is slow enough to interrupt. TLS passes through
# untouched (the client still verifies uun-server's certificate), and the
# relay connects from the client's own address, so the server records the
# appliance's address as usual. Prints "listening" once it accepts.
import socket
import sys
import threading
import time

listen_ip, listen_port, server_ip, server_port, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
chunk = max(1024, rate // 20)


def pump(src, dst, limit):
    sent, start = 0, time.monotonic()
    try:
        while True:
            data = src.recv(chunk if limit else 65536)
            if not data:
                break
            dst.sendall(data)
            if limit:
                sent += len(data)
                ahead = sent / limit - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client, peer):
    try:
        server = socket.create_connection((server_ip, server_port), source_address=(peer[0], 0))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, server, 0), daemon=True).start()
    pump(server, client, rate)


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((listen_ip, listen_port))
listener.listen(16)
print("listening", flush=True)
while True:
    conn, addr = listener.accept()
    threading.Thread(target=serve, args=(conn, addr), daemon=True).start()
