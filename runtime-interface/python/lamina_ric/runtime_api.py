"""The Runtime API (docs/runtime-api.md) over one kept-alive HTTP/1.1 connection.

A small client of our own on `_socket`, not http.client nor even `socket`: importing http.client
pulls in the email package and ssl (about 40 ms of every cold start), and `socket` itself enum and
selectors; the peer only ever answers with a Content-Length (or, to be safe, chunked) body.
"""
import _socket

API_PREFIX = "/2018-06-01/runtime"
_MAX_LINE = 65536


class Invocation:
    """One event and its headers, as `GET /invocation/next` returned them."""

    __slots__ = ("request_id", "deadline_ms", "function_arn", "trace_id", "client_context", "cognito_identity", "tenant_id", "content_type", "body")

    def __init__(self, headers, body):
        self.request_id = headers.get("lambda-runtime-aws-request-id", "")
        self.deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        self.function_arn = headers.get("lambda-runtime-invoked-function-arn", "")
        self.trace_id = headers.get("lambda-runtime-trace-id")
        self.client_context = headers.get("lambda-runtime-client-context")
        self.cognito_identity = headers.get("lambda-runtime-cognito-identity")
        self.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        self.content_type = headers.get("content-type", "application/json")
        self.body = body


class _Connection:
    """One HTTP/1.1 connection: a request written whole, its answer read whole."""

    def __init__(self, host, port):
        self._host_header = f"{host}:{port}"
        # The host as bytes: given a str, getaddrinfo encodes it with the idna codec, whose import
        # (re, enum, stringprep, unicodedata) cost 17 ms of a 50 ms start.
        name = host.encode("ascii") if host.isascii() else host
        family, kind, proto, _, address = _socket.getaddrinfo(name, port, 0, _socket.SOCK_STREAM)[0]
        self._socket = _socket.socket(family, kind, proto)
        try:
            self._socket.connect(address)
            self._socket.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        except OSError:
            self._socket.close()
            raise
        self._buffer = b""

    def send(self, method, target, body, headers):
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._socket.sendall(head + body if body else head)

    def receive(self):
        """(status, headers by lower-cased name, body) of the answer to the request sent."""
        parts = self._line().split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ConnectionError(f"no HTTP answer: {b' '.join(parts)[:100]!r}")
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = self._exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._chunked()
        else:
            data = b""
        return int(parts[1]), headers, data

    def _fill(self):
        chunk = self._socket.recv(65536)
        if not chunk:
            raise ConnectionError("the Runtime API closed the connection")
        self._buffer += chunk

    def _line(self):
        """One line without its line break."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line, self._buffer = self._buffer[:end], self._buffer[end + 1:]
                return line.rstrip(b"\r")
            if len(self._buffer) > _MAX_LINE:
                raise ConnectionError("a header line too long")
            self._fill()

    def _exactly(self, size):
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _chunked(self):
        chunks = []
        while True:
            size = int(self._line().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._line():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self._exactly(size))
            self._line()

    def close(self):
        try:
            self._socket.close()
        except OSError:
            pass


class RuntimeApiError(Exception):
    """The Runtime API answered with a status the client cannot go on from."""


class RuntimeApiClient:
    """Speaks to `AWS_LAMBDA_RUNTIME_API` (`host:port`) on one connection, reopened if it drops."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = (host or address).strip("[]")
        self._port = int(port) if port.isdigit() else 80
        self._connection = None

    def _request(self, method, path, body=None, headers=None):
        # One retry on a fresh connection: a kept-alive socket may have been closed while idle.
        for attempt in (0, 1):
            try:
                if self._connection is None:
                    self._connection = _Connection(self._host, self._port)
                self._connection.send(method, API_PREFIX + path, body, headers or {})
                status, response_headers, data = self._connection.receive()
                if response_headers.get("connection", "").lower() == "close":
                    self._connection.close()
                    self._connection = None
                return status, response_headers, data
            except (ConnectionError, ValueError, OSError):
                if self._connection is not None:
                    self._connection.close()
                self._connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def next_invocation(self):
        status, headers, data = self._request("GET", "/invocation/next")
        if status != 200:
            raise RuntimeApiError(f"GET /invocation/next answered {status}: {data[:200]!r}")
        return Invocation(headers, data)

    def post_response(self, request_id, payload, content_type="application/json"):
        """`payload` is the already-serialised result (bytes)."""
        self._post(f"/invocation/{request_id}/response", payload, {"Content-Type": content_type})

    def post_error(self, request_id, body, error_type):
        self._post(f"/invocation/{request_id}/error", body, _error_headers(error_type))

    def post_init_error(self, body, error_type):
        self._post("/init/error", body, _error_headers(error_type))

    def _post(self, path, body, headers):
        status, _, data = self._request("POST", path, body, headers)
        # 413 (payload too large) is answered as an error by the platform itself; anything else
        # but 202 means the client and the platform disagree about the state: stop.
        if status not in (202, 413):
            raise RuntimeApiError(f"POST {path} answered {status}: {data[:200]!r}")


def _error_headers(error_type):
    return {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error_type or "Unhandled"}
