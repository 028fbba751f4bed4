/**
 * `lamina serve`: load a SAM template and serve its functions through the Invoke API.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import type { FunctionConfig } from '../config/function-config.js';
import { acceptFunctionConnection, createFrontDoor, listen } from '../invoke/front-door-server.js';
import { ControlPlane } from '../control/api/control-plane.js';
import { restoreSettings } from '../control/api/restore-settings.js';
import { ControlStore } from '../control/state/control-store.js';
import { CodeSnapshots } from '../control/snapshots/code-snapshots.js';
import { eventInvokeLookup } from '../control/api/event-invoke-store.js';
import { LayerStore } from '../control/layer-store.js';
import type { S3Store } from '../services/s3/s3-store.js';
import { statesOf } from '../control/api/function-states.js';
import { Platform, PLATFORM_DEFAULTS } from '../platform/platform.js';
import { readHostEnvironment } from './host-environment.js';
import { positiveNumber, untilSignal, warnIfExposed } from './cli-support.js';
import { knownSigningKeys, signatureSettings } from './signature-settings.js';
import { startApis } from '../front-ends/serve-apis.js';
import { startUrls } from '../front-ends/function-urls/serve-urls.js';
import { ApiUrlHost } from '../front-ends/function-urls/api-url-host.js';
import { albsToServe, startAlbs } from '../front-ends/alb/serve-albs.js';
import { parseEdgeOrigins, startEdges } from '../front-ends/edge/serve-edge.js';
import { allStarted, FunctionEndpoints } from './function-endpoints.js';
import { nsenter } from '../observability/namespace-relay.js';
import { nodeSettler, PLACEHOLDER_CREDENTIALS, sandboxLimits, templateLoader } from './template-functions.js';
import { claimStateDir, defaultStateDir } from '../async/state-dir.js';
import { startAsync, targetEndpoints, usedTargets } from '../async/serve-async.js';
import { startSources } from '../event-sources/serve-sources.js';
import { DEFAULT_EVENTS_PORT, startEventBridge } from '../services/eventbridge/serve-eventbridge.js';
import { DEFAULT_S3_PORT, s3CodeObjects, startS3 } from '../async/serve-s3.js';
import { startStreams } from '../event-sources/streams/serve-streams.js';
import { once, Teardown } from './teardown.js';
import { startDeployments } from '../deploy/serve-deployments.js';
import { SERVE_USAGE } from './serve-usage.js';
import { startLogsApi, startLogStore } from './log-store-start.js';
import { startBuilds } from '../builds/function-builds.js';
import { describeWatch, startHotReload } from '../hot-reload/hot-reload.js';
import { startDashboard } from '../observability/dashboard/serve-dashboard.js';
import { Observers } from '../observability/platform-observer.js';
import { startMetrics } from '../observability/metrics/serve-metrics.js';
import { startXRay } from '../observability/xray/start-xray.js';
import { traceRoutes } from '../observability/xray/trace-routes.js';
import { parseDebugTargets } from '../debug/debug-options.js';
import { startDebugging } from '../debug/serve-debug.js';

export { SERVE_USAGE };

/**
 * @example
 * await serveCommand(['--template', 'examples/template.yaml', '--port', '9000']);
 */

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      template: { type: 'string', default: 'template.yaml' },
      port: { type: 'string', default: '9000' },
      'api-port': { type: 'string', default: '3000' },
      'url-port': { type: 'string', default: '3100' },
      'alb-port': { type: 'string', default: '5000' },
      alb: { type: 'string', multiple: true, default: [] },
      'alb-multi-value-headers': { type: 'boolean', default: false },
      'edge-port': { type: 'string', default: '3200' },
      'edge-origin': { type: 'string', multiple: true, default: [] },
      host: { type: 'string', default: '127.0.0.1' },
      'state-dir': { type: 'string' },
      'async-time-scale': { type: 'string', default: '1' },
      'deploy-time-scale': { type: 'string', default: '1' },
      'codedeploy-port': { type: 'string', default: '0' },
      'xray-port': { type: 'string', default: '0' },
      'sqs-port': { type: 'string', default: '9324' },
      'events-port': { type: 'string', default: String(DEFAULT_EVENTS_PORT) },
      's3-port': { type: 'string', default: String(DEFAULT_S3_PORT) },
      'kinesis-port': { type: 'string', default: '4567' },
      'queue-sync': { type: 'string', default: 'normal' },
      'aws-endpoint': { type: 'string' },
      'sqs-endpoint': { type: 'string' },
      'kinesis-endpoint': { type: 'string' },
      'sns-endpoint': { type: 'string' },
      'events-endpoint': { type: 'string' },
      'verify-signatures': { type: 'boolean', default: false },
      'no-verify-signatures': { type: 'boolean', default: false },
      'credentials-file': { type: 'string' },
      'account-concurrency': { type: 'string', default: String(PLATFORM_DEFAULTS.accountConcurrency) },
      'idle-timeout': { type: 'string', default: String(PLATFORM_DEFAULTS.idleTimeoutMs / 1000) },
      'shutdown-grace': { type: 'string', default: String(PLATFORM_DEFAULTS.shutdownGraceMs / 1000) },
      quiet: { type: 'boolean', default: false },
      'host-node': { type: 'boolean', default: false },
      'no-limits': { type: 'boolean', default: false },
      'no-hot-reload': { type: 'boolean', default: false },
      'no-isolation': { type: 'boolean', default: false },
      'scale-out': { type: 'string', default: '1000' },
      sandbox: { type: 'string', default: 'process' },
      engine: { type: 'string' },
      'logs-max-size': { type: 'string', default: '100MB' },
      'logs-api-port': { type: 'string' },
      'no-dashboard': { type: 'boolean', default: false },
      'no-service-endpoints': { type: 'boolean', default: false },
      debug: { type: 'string', multiple: true, default: [] },
      'debug-break': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const host = readHostEnvironment(process.env);
  const port = positiveNumber('--port', values.port, true);
  const apiPort = positiveNumber('--api-port', values['api-port'], true);
  const urlPort = positiveNumber('--url-port', values['url-port'], true);
  const edgePort = positiveNumber('--edge-port', values['edge-port'], true);
  const originOverrides = parseEdgeOrigins(values['edge-origin']);
  const signingKeys = signatureSettings(
    { verify: values['verify-signatures'], noVerify: values['no-verify-signatures'], credentialsFile: values['credentials-file'], host: values.host },
    host,
  );
  const templatePath = resolve(values.template);
  const sqsPort = positiveNumber('--sqs-port', values['sqs-port'], true);
  const timeScale = positiveNumber('--async-time-scale', values['async-time-scale']);
  const sync = values['queue-sync'];
  if (sync !== 'full' && sync !== 'normal') throw new ConfigError(`--queue-sync must be full or normal, got '${sync}'`);
  const endpoints = targetEndpoints({ aws: values['aws-endpoint'], sqs: values['sqs-endpoint'], sns: values['sns-endpoint'], events: values['events-endpoint'], kinesis: values['kinesis-endpoint'] });
  const sqsHostPort = `${values.host.includes(':') ? `[${values.host}]` : values.host}:${sqsPort}`;
  const stateDirPath = values['state-dir'] ?? defaultStateDir(templatePath);
  const state = claimStateDir(stateDirPath);
  const teardown = new Teardown();
  teardown.add(() => state.release());
  // Functions, versions, aliases, reservations and settings of earlier runs (docs/control-plane.md,
  // "Persistence"), open before the template is read: its functions may name published layer versions.
  const controlStore = await teardown.start(() => ControlStore.open(state.path), (store) => store.close());
  const settings = controlStore.settings;
  // Function logs like CloudWatch Logs (docs/cloudwatch-logs.md): closed after the platform stops, so its last lines are kept.
  const logStore = await teardown.start(() => startLogStore(state.path, values['logs-max-size']), (started) => started.store?.close());
  const logsApi = await teardown.start(() => startLogsApi(state.path, values['logs-api-port'], { host: values.host, region: host.region, accountId: host.accountId }), (api) => api?.close());
  const layerStore = new LayerStore({ region: host.region, accountId: host.accountId, stateDir: state.path, settings });
  const loadLoaded = templateLoader(templatePath, { region: host.region, accountId: host.accountId, allowNoFunctions: true, ...(sqsPort === 0 ? {} : { sqsEndpoint: `http://${sqsHostPort}` }), publishedLayers: (arn) => layerStore.dirOf(arn) }, state.path);
  const loaded = await teardown.start(loadLoaded, () => undefined);
  // esbuild functions (docs/builds.md): built now, served from their build, rebuilt on change.
  const builds = await teardown.start(
    () => startBuilds(loaded.functions, { stateDir: state.path, watch: !values['no-hot-reload'], log: { info: (line) => void process.stdout.write(`${line}\n`), error: (text) => void process.stderr.write(text) } }),
    (started) => started.close(),
  );
  // Each nodejsNN.x function on Node NN: installed now (before serving) when missing.
  const resolveNodes = nodeSettler(values['host-node']);
  const { functions, interpreters, warnings: nodeWarnings } = await teardown.start(() => resolveNodes(builds.functions), () => undefined);
  for (const warning of [...loaded.warnings, ...nodeWarnings]) process.stderr.write(`lamina: warning: ${warning}\n`);
  const out = (text: string): void => void process.stdout.write(text);
  const limits = await teardown.start(() => sandboxLimits({ noLimits: values['no-limits'], noIsolation: values['no-isolation'], sandbox: values.sandbox, engine: values.engine, out }, functions), () => undefined);
  // docs/debugging.md: the debuggers' proxies first, so that a port in use stops the start early.
  const debugTargets = parseDebugTargets(values.debug, values['debug-break'], functions, limits?.containers?.all === true);
  const debugging = await teardown.start(() => startDebugging(debugTargets, { privateNetwork: limits?.isolation !== undefined, codeAtTaskRoot: limits?.filesystem === true }), (started) => started.close());
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const wrapped = (error: Error): Error => new ConfigError(error.message);
  const eventsNeeded = endpoints.events === undefined && usedTargets(functions).some((used) => used.target.kind === 'eventbridge');
  const events = await teardown.start(
    () => startEventBridge(loaded, { host: values.host, port: positiveNumber('--events-port', values['events-port'], true), region: host.region, accountId: host.accountId, destinationsNeedIt: eventsNeeded, log }),
    () => undefined,
  );
  // PutEvents must stop before the queue closes: its stop is added here and again (it runs once)
  // after the platform's start, so that at shutdown it runs before the platform stops.
  const closeEvents = once(() => events?.close());
  teardown.add(closeEvents);
  const asyncParts = await teardown.start(
    () => startAsync(loaded.queues, functions, {
      stateDir: state.path,
      timeScale,
      sync,
      sqsHost: values.host,
      sqsPort,
      region: host.region,
      accountId: host.accountId,
      endpoints,
      credentials: host.credentials,
      localBuses: endpoints.events === undefined ? events?.localBuses : undefined,
    }, loaded.sqsMappings),
    (started) => started.close(),
  );
  // Before the platform: hook functions are given the CodeDeploy endpoint's address.
  const deploying = await teardown.start(
    () => startDeployments(functions, { host: values.host, port: positiveNumber('--codedeploy-port', values['codedeploy-port'], true), timeScale: positiveNumber('--deploy-time-scale', values['deploy-time-scale']), log, settings: controlStore.settings, isolated: limits?.isolation !== undefined && values['no-service-endpoints'] }),
    (started) => started.stop(),
  );
  const snapshots = new CodeSnapshots(state.path);
  // Metrics (docs/metrics.md): made before the platform, whose event queue measures into them;
  // the cost summary is printed once the platform has stopped (this step runs after its stop).
  const metrics = startMetrics({ warn: (message) => process.stderr.write(`${message}\n`) });
  teardown.add(() => process.stdout.write(metrics.summary() ?? ''));
  // X-Ray (docs/xray.md): the receiver first, since every function is given its address.
  const xray = await teardown.start(
    () => startXRay({ host: values.host, port: positiveNumber('--xray-port', values['xray-port'], true), isolated: limits?.isolation !== undefined }),
    (started) => started.close(),
    (error) => new ConfigError(`cannot bind the X-Ray receiver on ${values.host}:${values['xray-port']}: ${error.message}`),
  );
  // docs/service-endpoints.md: AWS_ENDPOINT_URL_<SERVICE> for each embedded service, filled in as they start.
  const serviceEndpoints = new FunctionEndpoints({ disabled: values['no-service-endpoints'] });
  serviceEndpoints.add('SQS', asyncParts.sqs?.endpoint);
  serviceEndpoints.add('EVENTBRIDGE', events?.server.endpoint);
  serviceEndpoints.carry(deploying.endpoint);
  // The log store hears the platform from its first environment's first line (nothing lost).
  const observers = new Observers();
  logStore.attach(observers);
  const platform = await teardown.start(
    () => new Platform({
      observers,
      events: { ...asyncParts.events, eventInvokeConfig: eventInvokeLookup(settings), measure: metrics.measure },
      limits,
      debug: (fn) => debugging.debugOf(fn),
      scaleOut: { environments: positiveNumber('--scale-out', values['scale-out']), perMs: 10_000 },
      functions,
      serviceEnvironment: (name) => ({ ...serviceEndpoints.environment(), ...xray.environment, ...deploying.environmentOf(name) }),
      traceHeaders: xray.traceHeaders,
      sandboxStarted: allStarted(xray.sandboxStarted, serviceEndpoints.sandboxStarted),
      accountConcurrency: positiveNumber('--account-concurrency', values['account-concurrency']),
      idleTimeoutMs: positiveNumber('--idle-timeout', values['idle-timeout']) * 1000,
      shutdownGraceMs: positiveNumber('--shutdown-grace', values['shutdown-grace'], true) * 1000,
      logOutput: values.quiet ? undefined : (text) => process.stdout.write(text),
      // Lambda always gives a function credentials; without the host's, placeholders let the AWS
      // SDK sign its calls to the embedded services, which check no signatures (docs/environment.md).
      credentials: host.credentials ?? PLACEHOLDER_CREDENTIALS,
      store: controlStore,
      snapshots,
    }),
    (started) => started.stop(),
  );
  teardown.add(closeEvents);
  // Deployments under way roll back before the platform stops (added again: it runs once).
  const stopDeployments = once(() => deploying.stop());
  teardown.add(stopDeployments);
  events?.attach(platform);
  metrics.attach(platform);
  xray.attach(platform);
  for (const line of platform.startReport) process.stderr.write(`lamina: control state: ${line}\n`);
  const apiUrls = new ApiUrlHost(platform, { host: values.host, accountId: host.accountId, region: host.region, keys: knownSigningKeys(values['credentials-file'], host) });
  teardown.add(() => apiUrls.closeAll());
  // The embedded S3 starts after the front door; CreateFunction's S3Bucket/S3Key reads it once it runs.
  let s3Store: S3Store | undefined;
  const control = new ControlPlane({
    registry: platform.registry,
    region: host.region,
    accountId: host.accountId,
    stateDir: state.path,
    now: () => new Date(),
    settings,
    urls: apiUrls,
    provisioned: platform,
    layers: layerStore,
    codeObjects: () => (s3Store === undefined ? undefined : s3CodeObjects(s3Store)),
    nodeOptions: { allowHostNode: values['host-node'] },
    code: platform,
  });
  // Invoke refuses a function still Pending, as Lambda does (the states are the control plane's).
  platform.gateInvokes(statesOf(platform.registry));
  // Provisioned concurrency and function URLs created through the API in earlier runs act again.
  for (const line of await restoreSettings(control.context)) process.stderr.write(`lamina: control state: ${line}\n`);
  // The live dashboard at /_lamina/ on the Invoke API's server (docs/dashboard.md).
  const dashboard = startDashboard(platform, { disabled: values['no-dashboard'], host: values.host, signaturesVerified: signingKeys !== undefined, traces: xray.store, api: traceRoutes(xray.store) });
  teardown.add(() => dashboard.stop());
  const server = createFrontDoor(platform, { management: control, dashboard: dashboard.route, metrics: (req, res) => metrics.serve(req, res), ...(signingKeys === undefined ? {} : { verifySignatures: { credentials: signingKeys } }) });
  const address = await teardown.start(
    () => listen(server, values.host, port),
    () => {
      server.close();
      server.closeAllConnections();
    },
    (error) => new ConfigError(`cannot listen on ${values.host}:${port}: ${error.message}`),
  );
  dashboard.attach(server);
  const toServe = albsToServe(loaded.albs, values.alb, functions, { region: host.region, accountId: host.accountId, multiValueHeaders: values['alb-multi-value-headers'] });
  const apis = await teardown.start(() => startApis(loaded.apis, platform, { host: values.host, basePort: apiPort, accountId: host.accountId, region: host.region }), (started) => started.close(), wrapped);
  const albs = await teardown.start(() => startAlbs(toServe, platform, { host: values.host, basePort: positiveNumber('--alb-port', values['alb-port'], true) }), (started) => started.close(), wrapped);
  const urls = await teardown.start(
    () => startUrls(loaded.urls, platform, { host: values.host, basePort: urlPort, accountId: host.accountId, region: host.region, keys: knownSigningKeys(values['credentials-file'], host) }),
    (started) => started.close(),
    wrapped,
  );
  const edges = await teardown.start(() => startEdges(loaded.edges, platform, { host: values.host, basePort: edgePort, originOverrides }), (started) => started.close(), wrapped);
  const s3 = await teardown.start(
    () => startS3(loaded.s3Buckets, loaded.s3Notifications, platform, { stateDir: state.path, host: values.host, port: positiveNumber('--s3-port', values['s3-port'], true), region: host.region, accountId: host.accountId, log }),
    (started) => started.close(),
  );
  s3Store = s3.server?.store;
  // Last, once every listener is up (the template's mappings were checked at load and at startAsync).
  const sources = await teardown.start(
    () => startSources({ mappings: loaded.sqsMappings, schedules: loaded.schedules }, asyncParts.sqs, platform, { timeScale, account: { region: host.region, accountId: host.accountId }, log, allowsRecursion: (name) => functions.some((fn) => fn.name === name && fn.recursiveLoop === 'Allow'), external: { endpoint: endpoints.sqs, credentials: host.credentials } }),
    (started) => started.stop(),
  );
  const streams = await teardown.start(
    () => startStreams(loaded.streams, loaded.streamMappings, platform, { host: values.host, port: positiveNumber('--kinesis-port', values['kinesis-port'], true), region: host.region, accountId: host.accountId, timeScale, queues: loaded.queues, sqsEndpoint: asyncParts.sqs?.endpoint, endpoints, sender: asyncParts.events.sender, metrics: asyncParts.events.store, measure: metrics.measure, log, external: { endpoint: endpoints.kinesis, credentials: host.credentials } }),
    (started) => started.stop(),
  );
  // Hot reload (docs/hot-reload.md): the template's functions' code, layers and the template itself.
  const reloading = values['no-hot-reload']
    ? undefined
    : startHotReload({
      registry: platform.registry,
      code: snapshots,
      marks: controlStore,
      stateDir: state.path,
      templatePath,
      initial: { functions, resources: loaded, warnings: [...loaded.warnings, ...nodeWarnings] },
      load: async () => {
        const next = await loadLoaded();
        // esbuild functions whose build settings changed are built again; a failed build keeps the last good one.
        const built = await builds.update(next.functions);
        const nodes = await resolveNodes(built.functions);
        return { functions: nodes.functions, resources: next, warnings: [...next.warnings, ...nodes.warnings, ...built.failures] };
      },
      log,
      warn: (line) => void process.stderr.write(`${line}\n`),
    });
  teardown.add(() => reloading?.close());
  if (signingKeys === undefined) warnIfExposed(values.host);
  else process.stdout.write(`SigV4 signatures are verified against ${signingKeys.length} access key(s)\n`);
  const base = `http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${address.port}`;
  serviceEndpoints.add('LAMBDA', base, (socket) => acceptFunctionConnection(server, socket));
  serviceEndpoints.add('S3', s3.server?.endpoint);
  serviceEndpoints.add('KINESIS', streams.kinesis?.endpoint);
  process.stdout.write(`Lamina is serving ${functions.length} function(s) from ${templatePath} on ${base}\n`);
  for (const fn of functions) {
    const interpreter = interpreters.get(fn.name) ?? (fn.launch.kind === 'python-ric' ? fn.launch.python : undefined);
    const on = interpreter === undefined ? '' : ` on ${interpreter}`;
    process.stdout.write(`  ${fn.name} (${fn.image?.uri ?? fn.runtime}, ${fn.memorySize} MB, ${fn.timeout} s)${on}: POST ${base}/2015-03-31/functions/${fn.name}/invocations\n`);
  }
  process.stdout.write(`${dashboard.banner(base)}\n`);
  const given = Object.keys(serviceEndpoints.environment());
  if (given.length > 0) process.stdout.write(`Functions are given ${given.join(', ')} (the embedded services; their own Environment wins; --no-service-endpoints turns this off)\n`);
  if (given.length > 0 && limits?.isolation !== undefined && nsenter() === undefined) process.stdout.write('  (isolated functions cannot reach them: nsenter (util-linux) is missing; see docs/service-endpoints.md)\n');
  const sections: Array<readonly [string | undefined, readonly string[]]> = [
    ['HTTP APIs:', apis.banner],
    ['Function URLs:', urls.banner],
    ['Application Load Balancers:', albs.banner],
    ['CloudFront distributions (Lambda@Edge):', edges.banner],
    [undefined, asyncParts.banner],
    [undefined, events?.banner ?? []],
    [undefined, s3.banner],
    ['Event sources:', sources.banner],
    [undefined, streams.banner],
    [undefined, deploying.banner],
    ['esbuild builds:', builds.banner],
    [undefined, xray.banner],
    [undefined, debugging.banner],
  ];
  for (const [title, banner] of sections) {
    if (banner.length > 0) process.stdout.write(`${title === undefined ? '' : `${title}\n`}${banner.join('\n')}\n`);
  }
  process.stdout.write(`Hot reload: ${describeWatch(reloading)}\n`);
  process.stdout.write(`${logStore.banner}\n`);
  if (logsApi !== undefined) process.stdout.write(`CloudWatch Logs API on ${logsApi.endpoint} (aws logs tail /aws/lambda/NAME --endpoint-url ${logsApi.endpoint})\n`);
  process.stdout.write(`Metrics (OpenMetrics, CloudWatch's names): ${base}/metrics\n`);
  process.stdout.write(`Event invokes are queued durably in ${state.path} (lamina events --state-dir ${state.path})\n`);
  const apiCreated = platform.registry.names.filter((name) => !functions.some((fn) => fn.name === name));
  process.stdout.write(`Functions, versions, aliases and settings are kept in ${controlStore.path}${apiCreated.length === 0 ? '' : ` (${apiCreated.length} function(s) created through the API: ${apiCreated.join(', ')})`}\n`);
  const provisioned = functions.reduce((sum, fn) => sum + (fn.provisionedConcurrency ?? 0), 0);
  if (provisioned > 0) {
    void platform.ready().then(() => process.stdout.write(`Lamina: ${provisioned} provisioned environment(s) initialised\n`));
  }
  // Last: a deployment that starts now (a version published at start) logs after the banner.
  deploying.attach(platform);
  const signal = await untilSignal();
  process.stdout.write(`Lamina: ${signal} received, retiring environments\n`);
  await teardown.run();
  return 0;
}
