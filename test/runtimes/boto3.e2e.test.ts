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

const TEMPLATE = ['python3.11', 'python3.12'].map((runtime) => `  On${runtime.replace('.', '')}:
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

  it('are served: boto3 is installed at start, and python3.11 and python3.12 handlers make a signed request with it', async () => {
    mkdirSync(join(project.dir, 'fn'));
    writeFileSync(join(project.dir, 'fn', 'app.py'), HANDLER);
    const port = await freePort();
    await project.start(`Resources:\n${TEMPLATE}`, ['--port', String(port), ...args], /on (http:\/\/127\.0\.0\.1:\d+)/);
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
  }, 300_000);
});
