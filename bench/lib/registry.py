#!/usr/bin/env python3
"""Seeds uun-server's registry quickly for the benchmarks, and writes the
matching poll bodies the load generator sends.

  registry.py seed STORE.db COUNT           rows bench-1..bench-COUNT (adds missing ones)
  registry.py bodies COUNT LAST_SEQ OUT     up to 5000 poll bodies spread over bench-1..COUNT

Appliance i's token is base64url(sha256("bench-token-i")) and the store
keeps sha256 of that text, as uun-server does (trust on first use). The
store's schema must exist (uun-test-seed add creates it). Exit 1 on error."""
import base64
import hashlib
import json
import sqlite3
import sys
import time

MAX_BODIES = 5000


def token(i):
    return base64.urlsafe_b64encode(hashlib.sha256(f"bench-token-{i}".encode()).digest()).decode().rstrip("=")


def seed(db, count):
    con = sqlite3.connect(db, timeout=30)
    have = con.execute("SELECT count(*) FROM appliances WHERE id LIKE 'bench-%'").fetchone()[0]
    now = int(time.time())
    rows = ((f"bench-{i}", hashlib.sha256(token(i).encode()).hexdigest(), "127.0.0.1",
             f"uun@bench-{i}.bench.test", 25, "mg-5000", "3.2.1", " av sys ", 0, now, now, "periodic")
            for i in range(have + 1, count + 1))
    with con:
        con.executemany("INSERT OR IGNORE INTO appliances (id, token_hash, address, notify_recipient, notify_port,"
                        " product, version, channels, last_seq, first_seen, last_seen, last_reason)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    print(con.execute("SELECT count(*) FROM appliances").fetchone()[0])


def bodies(count, last_seq, out):
    n = min(count, MAX_BODIES)
    step = count / n
    with open(out, "w") as f:
        for k in range(n):
            i = int(k * step) + 1
            f.write(json.dumps({"id": f"bench-{i}", "token": token(i), "product": "mg-5000", "version": "3.2.1",
                                "channels": ["av", "sys"],
                                "notify": {"recipient": f"uun@bench-{i}.bench.test", "port": 25},
                                "last_seq": last_seq, "reason": "periodic"}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "seed":
        seed(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "bodies":
        bodies(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
