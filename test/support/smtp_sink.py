"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd): every message it
accepts is written to DIR as <n>.eml (the raw message) with <n>.json (the envelope). A recipient
whose local part starts with "bounce" is refused with 550, one starting with "busy" with 451.
Listens on PORT, or on any free port when PORT is 0; prints "ready <port>" once it listens; stops
on SIGTERM."""
import json, os, signal, socket, sys
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]
count = 0

class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@')[0].lower()
        if local.startswith('bounce'):
            return '550 5.1.1 mailbox unavailable'
        if local.startswith('busy'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        base = os.path.join(out, str(count))
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(envelope.original_content)
        with open(base + '.json', 'w') as f:
            json.dump({'from': envelope.mail_from, 'to': envelope.rcpt_tos}, f)
        os.rename(base + '.eml.tmp', base + '.eml')
        return '250 Message accepted for delivery'

class BoundController(Controller):
    """aiosmtpd 1.4 connects to its port to see it is up, so cannot be given port 0: it serves a
    socket bound here instead, whose port is then known (no port probed free and closed first,
    which another process could take before the server binds it)."""

    def __init__(self, handler, sock):
        self._sock = sock
        super().__init__(handler, hostname='127.0.0.1', port=sock.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(('127.0.0.1', port))
sock.listen(100)
controller = BoundController(Sink(), sock)
controller.start()
print(f'ready {controller.port}', flush=True)
signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
signal.pause()
