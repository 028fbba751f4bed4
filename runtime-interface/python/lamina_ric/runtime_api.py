"""The Runtime API (docs/runtime-api.md) over one kept-alive HTTP/1.1 connection.

A small client of our own on a socket, not http.client: importing http.client pulls in the email
package and ssl, about 40 ms of every cold start (more under a 128 MB CPU share), for a peer that
only ever answers with a Content-Length (or, to be safe, chunked) body.
"""
import json
import socket

API_PREFIX = "/2018-06-01/runtime"


class Invocation:
    """One event and its headers, as `GET /invocation/next` returned them."""

    __slots__ = ("request_id", "deadline_ms", "function_arn", "trace_id", "client_context", "cognito_identity", "tenant_id", "body")

    def __init__(self, headers, body):
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")
        self.body = body


class _Headers(dict):
    """Response headers, by lower-cased name; `get` takes any case."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class _Connection:
    """One HTTP/1.1 connection: a request written whole, its answer read whole."""

    def __init__(self, host, port):
        self._host_header = f"{host}:{port}"
        self._socket = socket.create_connection((host, port))
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._socket.makefile("rb")

    def request(self, method, target, body, headers):
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._socket.sendall(head + body if body else head)
        status_line = self._reader.readline(65537)
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ConnectionError(f"no HTTP answer: {status_line[:100]!r}")
        headers = _Headers()
        while True:
            line = self._reader.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = self._read_exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._read_chunked()
        else:
            data = b""
        return int(parts[1]), headers, data

    def _read_exactly(self, size):
        data = self._reader.read(size)
        if len(data) != size:
            raise ConnectionError("the connection closed inside a body")
        return data

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self._reader.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._reader.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self._read_exactly(size))
            self._reader.readline(3)

    def close(self):
        try:
            self._reader.close()
            self._socket.close()
        except OSError:
            pass


class _Response:
    __slots__ = ("status", "headers")

    def __init__(self, status, headers):
        self.status = status
        self.headers = headers


class RuntimeApiError(Exception):
    """The Runtime API answered with a status the client cannot go on from."""


class RuntimeApiClient:
    """Speaks to `AWS_LAMBDA_RUNTIME_API` (`host:port`) on one connection, reopened if it drops."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host or address
        self._port = int(port) if port.isdigit() else 80
        self._connection = None

    def _request(self, method, path, body=None, headers=None):
        # One retry on a fresh connection: a kept-alive socket may have been closed while idle.
        for attempt in (0, 1):
            try:
                if self._connection is None:
                    self._connection = _Connection(self._host, self._port)
                status, response_headers, data = self._connection.request(method, API_PREFIX + path, body, headers or {})
                if response_headers.get("connection", "").lower() == "close":
                    self._connection.close()
                    self._connection = None
                return _Response(status, response_headers), data
            except (ConnectionError, ValueError, OSError):
                if self._connection is not None:
                    self._connection.close()
                self._connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def next_invocation(self):
        response, data = self._request("GET", "/invocation/next")
        if response.status != 200:
            raise RuntimeApiError(f"GET /invocation/next answered {response.status}: {data[:200]!r}")
        return Invocation(response.headers, data)

    def post_response(self, request_id, payload):
        """`payload` is the already-serialised JSON (bytes)."""
        self._post(f"/invocation/{request_id}/response", payload, {"Content-Type": "application/json"})

    def post_error(self, request_id, error):
        self._post(f"/invocation/{request_id}/error", _error_body(error), _error_headers(error))

    def post_init_error(self, error):
        self._post("/init/error", _error_body(error), _error_headers(error))

    def _post(self, path, body, headers):
        response, data = self._request("POST", path, body, headers)
        # 413 (payload too large) is answered as an error by the platform itself; anything else
        # but 202 means the client and the platform disagree about the state: stop.
        if response.status not in (202, 413):
            raise RuntimeApiError(f"POST {path} answered {response.status}: {data[:200]!r}")


def _error_body(error):
    return json.dumps(error).encode("utf-8")


def _error_headers(error):
    return {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": str(error.get("errorType", "Unhandled"))}
