"""The `context` argument of a handler: the attributes and methods Lambda's Python runtime gives it."""
import os
import time

from .errors import FaultError

# The W3C trace-context fields a client context may carry, handed out by `context.w3c()` only.
_W3C_FIELDS = ("traceparent", "tracestate", "baggage")


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, fields):
        self.cognito_identity_id = fields.get("cognitoIdentityId")
        self.cognito_identity_pool_id = fields.get("cognitoIdentityPoolId")

    def __repr__(self):
        return f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},cognito_identity_pool_id={self.cognito_identity_pool_id}])"


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, fields):
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def __repr__(self):
        return "Client([" + ",".join(f"{name}={getattr(self, name)}" for name in self.__slots__) + "])"


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, fields):
        self.custom = fields.get("custom")
        self.env = fields.get("env")
        client = fields.get("client")
        self.client = Client(client) if isinstance(client, dict) else None

    def __repr__(self):
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


def _header_json(text, name):
    """A context header's JSON, or None when absent; bad JSON fails the invocation, as on Lambda."""
    if not text:
        return None
    import json

    try:
        return json.loads(text)
    except Exception as error:
        raise FaultError("Runtime.LambdaContextUnmarshalError", f"Unable to parse {name} JSON: {error}") from None


class LambdaContext:
    """Built per invocation from its headers and the environment's variables."""

    def __init__(self, invocation):
        self.aws_request_id = invocation.request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invocation.function_arn
        self.tenant_id = invocation.tenant_id
        client_context = _header_json(invocation.client_context, "Client Context")
        identity = _header_json(invocation.cognito_identity, "Cognito Identity")
        self._w3c = {}
        if isinstance(client_context, dict):
            w3c = client_context.pop("w3c", None)
            if isinstance(w3c, dict):
                self._w3c = {key: w3c[key] for key in _W3C_FIELDS if isinstance(w3c.get(key), str)}
        self.client_context = ClientContext(client_context) if isinstance(client_context, dict) else None
        self.identity = CognitoIdentity(identity if isinstance(identity, dict) else {})
        self._deadline_ms = invocation.deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def w3c(self):
        """The W3C trace context (`traceparent`, `tracestate`, `baggage`) the client context carried."""
        return dict(self._w3c)

    def log(self, message):
        """Writes `str(message)` into the function log as it is (no level, no line break added)."""
        text = str(message)
        if text:
            os.write(1, text.encode("utf-8", "backslashreplace"))

    def __repr__(self):
        fields = ",".join(f"{name}={getattr(self, name)}" for name in (
            "aws_request_id", "log_group_name", "log_stream_name", "function_name", "memory_limit_in_mb",
            "function_version", "invoked_function_arn", "client_context", "identity", "tenant_id"))
        return f"LambdaContext([{fields}])"

