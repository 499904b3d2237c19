"""Authoritative DNS server for the integration tests: dnslib on 127.0.0.1, UDP and TCP.

    python3 tests/interop/dns_server.py ZONE.json

ZONE.json is a list of records, {"name": "_gatehouse-challenge.acme.test", "type": "TXT",
"value": "..."} (types TXT and A). It is read again on every query, so a test publishes or
removes a record by rewriting the file (atomically: write, then rename). A name with no
record of its own and none below it answers NXDOMAIN; an existing name without the asked
type answers NOERROR with no answers.

Prints the port (the same for UDP and TCP) on stdout, then serves until its stdin closes:
the test process holds the other end of that pipe, so the server never outlives the tests.
"""

import json
import socket
import sys

from dnslib import QTYPE, RCODE, RR, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class ZoneFileResolver(BaseResolver):
    def __init__(self, path: str) -> None:
        self.path = path

    def records(self) -> list:
        try:
            with open(self.path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return []

    def resolve(self, request, handler):
        reply = request.reply()
        qname = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        exists = False
        for record in self.records():
            name = record["name"].rstrip(".").lower()
            if name == qname or name.endswith("." + qname):
                exists = True
            if name != qname or record["type"] != qtype:
                continue
            if qtype == "TXT":
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(record["value"]), ttl=0))
            elif qtype == "A":
                reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(record["value"]), ttl=0))
        if not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def free_port() -> int:
    """A port free for both UDP and TCP right now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port


def main() -> None:
    resolver = ZoneFileResolver(sys.argv[1])
    quiet = DNSLogger(logf=lambda _line: None)
    for _ in range(20):
        port = free_port()
        try:
            udp = DNSServer(resolver, port=port, address="127.0.0.1", logger=quiet)
            tcp = DNSServer(resolver, port=port, address="127.0.0.1", tcp=True, logger=quiet)
            break
        except OSError:
            continue
    else:
        sys.exit("no free port for the DNS server")
    udp.start_thread()
    tcp.start_thread()
    print(port, flush=True)
    sys.stdin.buffer.read()
    udp.stop()
    tcp.stop()


if __name__ == "__main__":
    main()
