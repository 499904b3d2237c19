"""SMTP sink for the integration tests: aiosmtpd on 127.0.0.1 storing every message in a Maildir.

    python3 tests/interop/smtp_sink.py MAILDIR [PORT]

Binds PORT (0, the default, picks a free one), prints the bound port on stdout, then serves
until its stdin closes. The test process holds the other end of that pipe, so the sink goes
away with it however it ends (pass, panic or kill) and never outlives the tests.
"""

import asyncio
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP


async def serve(maildir: str, port: int) -> None:
    handler = Mailbox(maildir)
    loop = asyncio.get_running_loop()
    # A fixed hostname: the default asks DNS for this machine's FQDN, which can stall.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost"), host="127.0.0.1", port=port
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
