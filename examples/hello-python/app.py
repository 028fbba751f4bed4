"""The Lambda notes' example in Python: init code outside the handler, reused while warm.

Everything at module level runs once per execution environment, during its init: here a client
is built from an environment variable (as one would build an SDK client for a table or a bucket).
Warm invocations of the same environment reuse it: `client_id`, `initialised_at` and `calls` in
the answer show it, and the log says when the client was built.
"""
import logging
import os
import time
import uuid

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class GreetingClient:
    """Stands in for an SDK client: costly to build, so built once and kept."""

    def __init__(self, table_name):
        self.table_name = table_name
        self.client_id = str(uuid.uuid4())
        self.initialised_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.calls = 0

    def greet(self, name):
        self.calls += 1
        return f"Hello, {name}, from {self.table_name}!"


# Init code: runs once, outside the handler.
client = GreetingClient(os.environ["GREETING_TABLE"])
print(f"client {client.client_id} built for table {client.table_name}")


def lambda_handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    message = client.greet(name)
    logger.info("call %d of client %s", client.calls, client.client_id)
    return {
        "message": message,
        "client_id": client.client_id,
        "initialised_at": client.initialised_at,
        "calls": client.calls,
        "request_id": context.aws_request_id,
        "runtime": os.environ.get("AWS_EXECUTION_ENV"),
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
