"""The Runtime API (docs/runtime-api.md) over one kept-alive http.client connection."""
import http.client
import json

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
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port)
            try:
                self._connection.request(method, API_PREFIX + path, body=body, headers=headers or {})
                response = self._connection.getresponse()
                data = response.read()
                return response, data
            except (ConnectionError, http.client.HTTPException, OSError):
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
