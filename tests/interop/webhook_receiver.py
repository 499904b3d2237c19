"""A webhook receiver for tests: verifies each delivery with the Python SDK's helper and appends
one JSON line per request to --log. Prints "listening <port>" once it accepts connections.

    python3 tests/interop/webhook_receiver.py --port 0 --secret whsec_... --log deliveries.jsonl
"""

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "sdk-gen", "python"))
from gatehouse_sdk.webhooks import SIGNATURE_HEADER, WebhookSignatureError, construct_event  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            header = self.headers.get(SIGNATURE_HEADER)
            record = {"path": self.path, "delivery_id": self.headers.get("Gatehouse-Delivery-Id")}
            try:
                event = construct_event(body, header, args.secret)
                record.update(verified=True, event_id=event["id"], event=event["event"])
                status = 200
            except WebhookSignatureError as exc:
                unverified = json.loads(body)
                record.update(verified=False, error=str(exc), event_id=unverified.get("id"))
                status = 400
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
