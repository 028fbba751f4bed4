/**
 * A custom runtime for end-to-end tests: a `/bin/sh` bootstrap that loops on the Runtime API with
 * curl, the event saved in `/tmp/event`, and answers with what `answer` (shell text, run per
 * invocation) writes to stdout.
 *
 * @example writeFileSync(join(dir, 'bootstrap'), shellBootstrap('cat /tmp/event'), { mode: 0o755 }) // an echo function
 */
export function shellBootstrap(answer: string): string {
  return `#!/bin/sh
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
  headers=$(mktemp)
  curl -sS -D "$headers" -o /tmp/event "$api/next"
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d' ' -f2 | tr -d '\\r')
  { ${answer}; } | curl -sS -X POST --data-binary @- "$api/$id/response" >/dev/null
  rm -f "$headers"
done
`;
}
