#!/bin/sh
# Lamina's /lambda-entrypoint.sh, the ENTRYPOINT of its base image. It does what the script of the
# same name in AWS's Lambda base images does: the image's CMD is the handler; inside Lambda
# (AWS_LAMBDA_RUNTIME_API set by the platform) it execs the runtime's bootstrap; anywhere else
# (`docker run -p 9000:8080 IMAGE`) it puts the emulator in front of the bootstrap, so
#   curl -d '{}' http://localhost:9000/2015-03-31/functions/function/invocations
# works with no other tool.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT="${LAMBDA_RUNTIME_DIR:-/var/runtime}/bootstrap"
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec "${AWS_LAMBDA_RIE:-/usr/local/bin/aws-lambda-rie}" "$RUNTIME_ENTRYPOINT"
else
  exec "$RUNTIME_ENTRYPOINT"
fi
