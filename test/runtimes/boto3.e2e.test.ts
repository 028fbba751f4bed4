/**
 * Python functions that import boto3 without bringing it run as on Lambda, whose Python runtimes
 * carry it (docs/runtimes.md, "The AWS SDK"): `lamina serve` installs Debian's boto3 into the
 * shared store at start and the Python client puts it on sys.path. Each function lists S3 buckets
 * through a real HTTP exchange with a small S3 stand-in it runs on its own loopback (environments
 * reach no Lamina port on the host's), so boto3 builds, signs, sends and parses the request.
 * Skipped, with the reason, where apt-get cannot fetch Debian's packages.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { PYTHON_RIC_DIR } from '../../src/platform/paths.js';
import { boto3Site, boto3Version } from '../../src/runtimes/boto3-store.js';
import { freePort, serveProject } from '../helpers/serve-process.js';

const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' });
const unavailable = apt.status === 0 ? undefined : 'apt-get is not on this machine: boto3 comes from Debian\'s packages';
if (unavailable !== undefined) console.warn(`[boto3] skipped: ${unavailable}`);

const HANDLER = `import sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
import boto3
from boto3.dynamodb.conditions import Key

seen = []

class S3(BaseHTTPRequestHandler):
    def do_GET(self):
        seen.append({"line": self.command + " " + self.path, "signed": self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")})
        body = b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Buckets><Bucket><Name>from-boto3</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets><Owner><ID>x</ID></Owner></ListAllMyBucketsResult>'
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = HTTPServer(("127.0.0.1", 0), S3)
threading.Thread(target=server.serve_forever, daemon=True).start()
s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", endpoint_url=f"http://127.0.0.1:{server.server_port}")

def handler(event, context):
    names = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    return {"python": f"{sys.version_info[0]}.{sys.version_info[1]}", "boto3": boto3.__version__, "names": names, "sent": seen, "key": type(Key("id").eq(1)).__name__, "from": boto3.__file__.split("/boto3/")[0]}
`;

/** boto3 with no endpoint in its code: the template's queue through AWS_ENDPOINT_URL_SQS (docs/service-endpoints.md). */
const SENDER = `import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody=event["text"])
    return {"id": sent["MessageId"], "endpoint": sqs.meta.endpoint_url}
`;

const QUEUE_AND_SENDER = `  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  Sender:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: sender.handler
      CodeUri: fn/
      Timeout: 20
      MemorySize: 1024
`;

const TEMPLATE = QUEUE_AND_SENDER + ['python3.11', 'python3.12'].map((runtime) => `  On${runtime.replace('.', '')}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: ${runtime}
      Handler: app.handler
      CodeUri: fn/
      Timeout: 20
      MemorySize: 1024
`).join('');

describe.skipIf(unavailable !== undefined).each([
  { mode: 'isolated (the default)', args: [] as string[] },
  { mode: '--no-limits', args: ['--no-limits'] },
])('Python functions importing boto3 they do not bring, $mode', ({ args }) => {
  const project = serveProject('lamina-boto3-');

  it('are served: boto3 is installed at start, python3.11 and python3.12 handlers make a signed request with it, and one sends to the template\'s queue with no endpoint in its code', async () => {
    mkdirSync(join(project.dir, 'fn'));
    writeFileSync(join(project.dir, 'fn', 'app.py'), HANDLER);
    writeFileSync(join(project.dir, 'fn', 'sender.py'), SENDER);
    const port = await freePort();
    await project.start(`Resources:\n${TEMPLATE}`, ['--port', String(port), '--sqs-port', '0', '--events-port', '0', '--s3-port', '0', '--kinesis-port', '0', ...args], /on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(boto3Version()).toMatch(/^1\.\d+\.\d+$/);
    expect(readlinkSync(join(PYTHON_RIC_DIR, 'lamina-sdk'))).toBe(boto3Site());
    for (const python of ['3.11', '3.12']) {
      const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/Onpython${python.replace('.', '')}/invocations`, { method: 'POST', body: '{}' });
      const body = await response.text();
      expect(response.status, body).toBe(200);
      const answer = JSON.parse(body) as { from: string };
      expect(answer).toMatchObject({ python, boto3: boto3Version(), names: ['from-boto3'], sent: [{ line: 'GET /', signed: true }], key: 'Equals' });
      // Found through the runtime's folder (/var/runtime when isolated), not the host's own Python packages.
      expect(answer.from).toMatch(/\/lamina-sdk$/);
    }
    // The template's queue, with no endpoint in the code: Lamina's botocore reads AWS_ENDPOINT_URL_SQS.
    const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/Sender/invocations`, { method: 'POST', body: '{"text":"from boto3"}' });
    const sent = JSON.parse(await response.text()) as { id: string; endpoint: string };
    expect(sent.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const sqs = new SQSClient({ endpoint: sent.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[sent.id, 'from boto3']]);
    sqs.destroy();
  }, 300_000);
});
