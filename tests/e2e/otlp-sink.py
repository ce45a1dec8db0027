"""A real OTLP/HTTP receiver for the tracing test: oteltest's HttpSink (PyPI `oteltest`), bound to
loopback on a port the kernel picks instead of every interface on 4318. Prints {"port": N} once
listening, then one JSON line per export request: {"path": "/v1/traces", "request": {...}}."""
import io
import json
import logging
import sys

import oteltest.sink as sink
from google.protobuf.json_format import MessageToDict
from oteltest.sink.handler import RequestHandler


def reading_chunked(handler):
    """The sink reads Content-Length only; Node's OTLP exporter may send its body chunked."""

    class Handler(handler):
        def do_POST(self):  # noqa: N802
            if self.headers.get("Content-Length") is None and "chunked" in self.headers.get("Transfer-Encoding", ""):
                body = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    chunk = self.rfile.read(size + 2)[:size]
                    if size == 0:
                        break
                    body += chunk
                self.headers["Content-Length"] = str(len(body))
                self.rfile = io.BytesIO(body)
            super().do_POST()

    return Handler


class LoopbackServer(sink.HTTPServer):
    def __init__(self, _address, handler):
        super().__init__(("127.0.0.1", 0), reading_chunked(handler))
        print(json.dumps({"port": self.server_address[1]}), flush=True)


class JsonLines(RequestHandler):
    def emit(self, path, request):
        print(json.dumps({"path": path, "request": MessageToDict(request)}), flush=True)

    def handle_trace(self, request, headers):  # noqa: ARG002
        self.emit("/v1/traces", request)

    def handle_metrics(self, request, headers):  # noqa: ARG002
        self.emit("/v1/metrics", request)

    def handle_logs(self, request, headers):  # noqa: ARG002
        self.emit("/v1/logs", request)


sink.HTTPServer = LoopbackServer
logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
sink.HttpSink(JsonLines(), logging.getLogger("otlp-sink"), port=0, daemon=False).start()
