"""Init (sys.path, logging, the handler) and the invocation loop."""
import json
import os
import sys

from . import logs
from .context import LambdaContext
from .errors import FaultError, error_json
from .handler import load_handler
from .runtime_api import RuntimeApiClient


def python_path(task_root, version=sys.version_info):
    """Lambda's order: the code, then the layers' `python/lib/python3.X/site-packages` and `python`."""
    return [task_root, f"/opt/python/lib/python{version[0]}.{version[1]}/site-packages", "/opt/python"]


def setup_sys_path(task_root):
    own = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # The script's directory (the runtime's) moves behind the user's paths: a user module named
    # like one of ours must win, as on Lambda where /var/runtime comes after /var/task and /opt.
    rest = [entry for entry in sys.path if entry not in (own, "")]
    sys.path[:] = [*python_path(task_root), own, *rest]


def _marshal(result):
    try:
        return json.dumps(result).encode("utf-8")
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {error}") from None


def handle(client, handler, invocation):
    logs.current_request_id = invocation.request_id
    if invocation.trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        event = json.loads(invocation.body) if invocation.body else None
        result = handler(event, LambdaContext(invocation))
        payload = _marshal(result)
    except Exception as error:  # the user's error: answered, logged, and the environment lives on
        report = error_json(error, invocation.request_id)
        logs.log_error(report)
        client.post_error(invocation.request_id, report)
        return
    client.post_response(invocation.request_id, payload)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    setup_sys_path(task_root)
    logs.install()
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as error:  # FaultError, or whatever the module's own init code raised
        report = error_json(error, "")
        logs.log_error(report)
        client.post_init_error(report)
        sys.exit(1)
    while True:
        handle(client, handler, client.next_invocation())
