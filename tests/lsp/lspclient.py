"""A small JSON-RPC client for `rasp lsp`, used by the LSP tests and the
replay check: it frames messages, reads the server's answers in order, and
keeps the diagnostics the server publishes."""

import json
import os
import select
import subprocess


class ServerDied(Exception):
    pass


class Client:
    def __init__(self, rasp, args=("lsp",), timeout=30):
        self.proc = subprocess.Popen([rasp, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.timeout = timeout
        self.next_id = 0
        self.diagnostics = {}
        self.buffer = b""

    # ------------------------------------------------------------ framing
    def send_raw(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise ServerDied(self.stderr())

    def send(self, message):
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _read_exact(self, n):
        while len(self.buffer) < n:
            ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
            if not ready:
                raise TimeoutError("no answer from the server in %ds" % self.timeout)
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise ServerDied(self.stderr())
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_message(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            header += self._read_exact(1)
        length = None
        for line in header.decode().split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":")[1])
        assert length is not None, "a message without Content-Length: %r" % header
        return json.loads(self._read_exact(length))

    # ------------------------------------------------------------ requests
    def notify(self, method, params=None):
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def request_async(self, method, params=None):
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.next_id

    def wait_response(self, rid):
        """The response with id `rid` (diagnostics read on the way are kept)."""
        while True:
            message = self.read_message()
            if message.get("method") == "textDocument/publishDiagnostics":
                p = message["params"]
                self.diagnostics[p["uri"]] = p["diagnostics"]
                continue
            if "method" in message:
                continue
            if message.get("id") == rid:
                return message
            raise AssertionError("unexpected message %r" % message)

    def request(self, method, params=None):
        """The whole response (with `result` or `error`)."""
        return self.wait_response(self.request_async(method, params))

    def result(self, method, params=None):
        response = self.request(method, params)
        assert "error" not in response, response
        return response["result"]

    def sync(self):
        """Waits until the server handled everything sent so far (a request
        is answered in order), so the diagnostics are current."""
        return self.request("rasp/unknownSyncRequest")

    def initialize(self, options=None):
        params = {"processId": None, "rootUri": None, "capabilities": {}}
        if options is not None:
            params["initializationOptions"] = options
        result = self.result("initialize", params)
        self.notify("initialized", {})
        return result

    def open(self, uri, text):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "rasp", "version": 1, "text": text}})

    def change(self, uri, text, version=2):
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}]})

    def at(self, method, uri, line, character, **extra):
        params = {"textDocument": {"uri": uri},
                  "position": {"line": line, "character": character}}
        params.update(extra)
        return self.result(method, params)

    def stderr(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.stderr.read().decode(errors="replace")
        except OSError:
            return ""

    def shutdown(self):
        self.result("shutdown")
        self.notify("exit")
        self.proc.stdin.close()
        code = self.proc.wait(timeout=self.timeout)
        return code


def uri_of(path):
    from urllib.parse import quote
    return "file://" + quote(os.path.abspath(path))
