#!/usr/bin/env python3
"""Rough round-trip times of the two out-of-process routes, from one Python client.

    bench/routes/rough_timing.py [ROUNDS]

Both servers run on this machine (HTTP on 127.0.0.1, shared memory on a file under /dev/shm).
The same Python loop drives both, so the numbers compare the routes to each other, with
Python's own cost in both; they are a sanity check, not the benchmark (JMH measures from Java).

Per round: LIVE alone, then the seed's cycle: create, details, read, free both (5 requests).
"""

import http.client
import os
import subprocess
import sys
import time

from smoke_shm import CREATE, DETAILS, FREE, LIVE, READ, start

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(label, rounds, requests_per_round, body):
    body()  # warm up the connection and both processes
    t0 = time.perf_counter()
    for _ in range(rounds):
        body()
    per_round = (time.perf_counter() - t0) / rounds
    print(f"  {label:<34} {per_round * 1e6:8.1f} us per round, "
          f"{per_round / requests_per_round * 1e6:6.1f} us per request")


def http_route(rounds):
    binary = os.path.join(HERE, "person-service/target/release/person-service")
    server = subprocess.Popen([binary, "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        line = server.stdout.readline().decode().strip()
        host, port = line.removeprefix("listening on ").split(":")
        assert host == "127.0.0.1", line
        conn = http.client.HTTPConnection(host, int(port), timeout=5)

        def request(method, path, body=None):
            conn.request(method, path, body=body)
            response = conn.getresponse()
            data = response.read()
            if response.status >= 300:
                raise RuntimeError(f"{method} {path}: {response.status} {data!r}")
            return data

        def live():
            request("GET", "/live")

        def cycle():
            p = request("POST", "/person?age=30", "张三 Alice".encode()).decode()
            d = request("POST", f"/person/{p}/details").decode()
            request("GET", f"/person/{d}")
            request("DELETE", f"/person/{p}")
            request("DELETE", f"/person/{d}")

        print("HTTP/1.1 keep-alive on loopback (person-service, tiny_http):")
        timed("GET /live", rounds, 1, live)
        timed("create, details, read, free x2", rounds, 5, cycle)
        assert request("GET", "/live") == b"0"
        request("POST", "/shutdown")
        conn.close()
        server.wait(timeout=5)
    finally:
        if server.poll() is None:
            server.kill()


def shm_route(rounds):
    binary = os.path.join(HERE, "person-shm/target/release/person-shm")
    server, c, path = start(binary)
    try:
        def call(*args, **kwargs):
            result = c.call(*args, **kwargs)
            if result[0] != 0:
                raise RuntimeError(f"status {result[0]}")
            return result

        def live():
            call(LIVE)

        def cycle():
            p = call(CREATE, arg=30, data="张三 Alice".encode())[2]
            d = call(DETAILS, id=p)[2]
            call(READ, id=d)
            call(FREE, id=p)
            call(FREE, id=d)

        print("shared memory, single slot (person-shm, spinning both sides):")
        timed("LIVE", rounds, 1, live)
        timed("create, details, read, free x2", rounds, 5, cycle)
        assert call(LIVE)[2] == 0
        c.shutdown()
        server.wait(timeout=5)
    finally:
        c.close()
        if server.poll() is None:
            server.kill()
        os.unlink(path)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"{rounds} rounds each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    http_route(rounds)
    shm_route(rounds)


if __name__ == "__main__":
    main()
