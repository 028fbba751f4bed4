"""Init (sys.path, logging, the handler) and the invocation loop.

Only what asking for the first event needs is imported before it (docs/python-handler.md, "Cold
start"): `json` when the first event is decoded (unless the handler's module imported it already),
`logging` when something imports it, `traceback` when an error is reported.
"""
import os
import sys

from . import logs, output
from .context import LambdaContext
from .errors import FaultError, error_json
from .handler import load_handler
from .runtime_api import RuntimeApiClient

# Logged before the error of a failed init, as Lambda's Python runtime does.
UNHANDLED_INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, "
    "a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, runtime updates "
    "can be triggered by a function change, or can be applied automatically. To determine if the runtime has been updated, "
    "check the runtime version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
    "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. For more "
    "information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


def python_path(task_root, version=sys.version_info):
    """Lambda's order: the code, then the layers' `python/lib/python3.X/site-packages` and `python`."""
    return [task_root, f"/opt/python/lib/python{version[0]}.{version[1]}/site-packages", "/opt/python"]


def setup_sys_path(task_root):
    own = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # The script's directory (the runtime's) moves behind the user's paths: a user module named
    # like one of ours must win, as on Lambda where /var/runtime comes after /var/task and /opt.
    rest = [entry for entry in sys.path if entry not in (own, "")]
    # boto3 as Lambda's runtime has it (docs/runtimes.md, "The AWS SDK"): after the code, the
    # layers and the runtime, so that a function's own copy wins.
    sdk = os.path.join(own, "lamina-sdk")
    sys.path[:] = [*python_path(task_root), own, *([sdk] if os.path.isdir(sdk) else []), *rest]


def _event(invocation):
    if invocation.content_type != "application/json":
        return invocation.body
    import json

    try:
        return json.loads(invocation.body)
    except Exception as error:
        raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {error}") from None


def _result(result):
    """(payload, content type): bytes as they are, anything else as JSON."""
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return output.to_json(result).encode("utf-8"), "application/json"
    except Exception as error:
        raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {error}") from None


def handle(client, handler, invocation):
    output.request_id = invocation.request_id
    output.tenant_id = invocation.tenant_id
    if invocation.trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        context = LambdaContext(invocation)
        payload, content_type = _result(handler(_event(invocation), context))
    except Exception as error:  # the user's error: answered, logged, and the environment lives on
        report = error_json(error, invocation.request_id)
        output.log_error(report)
        client.post_error(invocation.request_id, output.to_json(report).encode("utf-8"), report["errorType"])
        return
    client.post_response(invocation.request_id, payload, content_type)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    setup_sys_path(task_root)
    logs.watch()
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as error:  # FaultError, or whatever the module's own init code raised
        report = error_json(error)
        import logging

        logging.warning(UNHANDLED_INIT_WARNING)
        output.log_error(report)
        client.post_init_error(output.to_json(report).encode("utf-8"), report["errorType"])
        sys.exit(1)
    while True:
        handle(client, handler, client.next_invocation())
