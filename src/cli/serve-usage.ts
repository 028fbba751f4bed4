/**
 * The help text of `lamina serve` (kept apart from the command so that the command reads as the
 * order in which it starts its parts).
 */
import { DEFAULT_EVENTS_PORT } from '../services/eventbridge/serve-eventbridge.js';

export const SERVE_USAGE = `Usage: lamina serve [options]

Options:
  --template <file>             SAM or CloudFormation template (default: template.yaml)
  --port <n>                    Invoke API port (default: 9000; 0 picks a free one). Also serves
                                GET /metrics: CloudWatch's Lambda metrics, EMF custom metrics and the
                                run's cost on Lambda, in OpenMetrics (docs/metrics.md)
  --api-port <n>                First HTTP API's port (default: 3000; the next API gets the next port;
                                0 picks free ones). APIs come from the functions' HttpApi and Api events
                                (docs/http-front-ends.md)
  --url-port <n>                First function URL's port (default: 3100; the next URL gets the next
                                port; 0 picks free ones). URLs come from FunctionUrlConfig and
                                AWS::Lambda::Url; AWS_IAM ones verify SigV4 against the keys below
  --alb-port <n>                First ALB listener's local port (default: 5000; the next listener gets the
                                next port; 0 picks free ones). Listeners come from the template's
                                AWS::ElasticLoadBalancingV2::Listener with Lambda target groups
  --alb <fn>[=<port>]           Also put an ALB listener in front of function <fn> (repeatable; on
                                <port>, else the next --alb-port)
  --alb-multi-value-headers     --alb target groups with lambda.multi_value_headers.enabled
  --edge-port <n>               First CloudFront distribution's port (default: 3200; 0 picks free ones):
                                AWS::CloudFront::Distribution with Lambda@Edge associations, served as
                                a local proxy in front of its origin
  --edge-origin <id=url>        Send origin <id>'s traffic to url (http://127.0.0.1:8080) instead of its
                                DomainName (repeatable)
  --state-dir <dir>             Where the durable event queue of Event invokes, the embedded SQS's
                                messages and the control plane's functions, versions, aliases and
                                settings (control.sqlite, docs/control-plane.md) are kept
                                (default: ~/.cache/lamina/state/<template>-<hash>);
                                one 'lamina serve' at a time per directory (docs/async-invocation.md)
  --logs-max-size <size>        Cap of the function log store under <state-dir>/logs (default: 100MB;
                                the least recently written log streams go first; 0 keeps no logs;
                                read it with 'lamina logs', docs/cloudwatch-logs.md)
  --logs-api-port <n>           Also answer the CloudWatch Logs API (FilterLogEvents, GetLogEvents,
                                DescribeLogStreams, DescribeLogGroups) over the store on this port
                                (0 picks a free one; default: off), for aws logs tail --endpoint-url
  --async-time-scale <x>        Multiply asynchronous retry delays, backoffs and maximum event ages
                                by x (default: 1, Lambda's times; 0.001 makes a 1-minute retry 60 ms)
  --deploy-time-scale <x>       Multiply DeploymentPreference intervals and the hooks' one-hour timeout
                                by x (default: 1; 0.003 runs a Canary10Percent5Minutes in about a
                                second; docs/deployments.md)
  --codedeploy-port <n>         Port of the CodeDeploy endpoint hook functions report to (default: 0,
                                a free one; given to them as AWS_ENDPOINT_URL_CODEDEPLOY)
  --xray-port <n>               UDP port of the X-Ray receiver functions' SDKs send segments to
                                (default: 0, a free one; given to them as AWS_XRAY_DAEMON_ADDRESS;
                                docs/xray.md)
  --queue-sync <normal|full>    normal (default): an Event invoke's 202 waits for its commit to reach
                                the file (survives any crash or kill of Lamina, not a power cut of
                                the machine); full: for the commit to be fsynced (survives a power
                                cut; slower with few callers, docs/async-invocation.md)
  --sqs-port <n>                Port of the embedded SQS server that serves the template's
                                AWS::SQS::Queue resources (default: 9324; 0 picks a free one)
  --events-port <n>             Port of the embedded EventBridge (PutEvents, the template's rules and
                                buses; default: ${DEFAULT_EVENTS_PORT}; 0 picks a free one), started when the
                                template has EventBridge rules or buses, or an EventBridge destination
                                and no --events-endpoint (docs/eventbridge-server.md)
  --s3-port <n>                 Port of the embedded S3 server that serves the template's
                                AWS::S3::Bucket resources, path-style (default: 4569; 0: a free one)
  --kinesis-port <n>            Port of the embedded Kinesis that serves the template's
                                AWS::Kinesis::Stream resources (default: 4567; 0 picks a free one)
  --aws-endpoint <url>          Endpoint for SQS, SNS and EventBridge destinations the template does
                                not define (LocalStack: http://127.0.0.1:4566), and where SQS and
                                Kinesis mappings of queues and streams it does not define are read
  --sqs-endpoint <url>          ... for SQS only (overrides --aws-endpoint)
  --kinesis-endpoint <url>      Where Kinesis mappings of streams the template does not define are
                                read (overrides --aws-endpoint; docs/event-sources-external.md)
  --sns-endpoint <url>          ... for SNS only
  --events-endpoint <url>       ... for EventBridge only
  --host <addr>                 Address to bind (default: 127.0.0.1; anything else is on purpose)
  --verify-signatures           Refuse Invoke API calls not SigV4-signed with a known key (403, as
                                Lambda answers). Keys: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and
                                --credentials-file. Default: on when --host is not loopback
  --no-verify-signatures        Accept any caller, even on a non-loopback --host
  --credentials-file <file>     More keys to accept, in ~/.aws/credentials format (every profile)
  --account-concurrency <n>     Account concurrency limit shared by all functions (default: 1000)
  --idle-timeout <seconds>      Retire environments idle this long (default: 600)
  --shutdown-grace <seconds>    Retiring an environment without extensions: SIGTERM, then SIGKILL
                                after this long (default: 0, SIGKILL at once, as Lambda, which sends
                                SIGTERM only when extensions are registered)
  --scale-out <n>               New environments per function per 10 s (default: 1000)
  --no-hot-reload               Do not watch the functions' code, their layers and the template (on by
                                default: a saved file reaches the next invoke without a restart,
                                docs/hot-reload.md); esbuild functions are built once (docs/builds.md)
  --no-limits                   Do not apply the kernel's limits (memory, CPU, processes, open files)
  --no-isolation                Keep the limits but run functions without full isolation (own network,
                                PID namespace, root, unprivileged user, seccomp; docs/isolation.md)
  --sandbox <process|container> Where zip functions run (default: process). container: each in its
                                runtime's base image (lamina/base:nodejs22.x, lamina/base:python3.12,
                                built before serving when missing or outdated; docs/containers.md).
                                PackageType: Image functions always run in containers (podman or
                                docker, found at start)
  --engine <podman|docker>      Container engine (default: podman if it works, else docker)
  --host-node                   Run every nodejs*.x function on the node running Lamina, whatever
                                its major (a warning names both versions). Default: each runtime's
                                own major, installed on first use (lamina runtimes, docs/runtimes.md)
  --no-dashboard                Do not serve the live dashboard (default: at /_lamina/ on the Invoke
                                API's port, updated over a WebSocket; docs/dashboard.md)
  --no-service-endpoints        Do not give functions AWS_ENDPOINT_URL_<SERVICE> for the embedded
                                services (SQS, S3, Kinesis, EventBridge, Lambda). Default: given,
                                and reachable from isolated environments on their own loopback
                                (docs/service-endpoints.md)
  --debug <fn>[=<port>]         Debug function <fn> (repeatable): node's inspector or debugpy behind a
                                proxy on 127.0.0.1:<port> (default: 9229, the next function 9230...;
                                0 picks a free one); one environment at a time, its timeout stopped
                                while the debugger holds it; the banner shows how to attach
                                (docs/debugging.md)
  --debug-break                 Debugged environments wait for a debugger: node stops before its
                                runtime's first line, debugpy waits for a client (--wait-for-client)
  --quiet                       Do not print function logs
  -h, --help                    Show this help
`;
