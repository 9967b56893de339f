/**
 * Requests per second the Graph emulator serves, so it is never the bottleneck of a pipeline
 * benchmark. The emulator runs as its CLI in a child process (as `npm start` runs it), seeded with
 * the tutorial tenant plus N registered devices, at time scale 0; this process is the client
 * (node:http, keep-alive). A trivial node:http server measured the same way gives the machine's
 * ceiling, printed first, so figures from a loaded machine can be read relative to it.
 * Run: npx tsx bench/graph-emulator-throughput.ts [--devices 20000] [--seconds 5] [--concurrency 16] [--log-bodies false]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TUTORIAL_TENANT } from '../local/graph-emulator/seeds/tutorial-tenant';
import { generateHardwareHash } from '../local/fixtures/hardware-hash-generator';

const { values } = parseArgs({
  options: { devices: { type: 'string' }, seconds: { type: 'string' }, concurrency: { type: 'string' }, 'log-bodies': { type: 'string' } },
});
const DEVICES = Number(values.devices ?? 20_000);
const SECONDS = Number(values.seconds ?? 5);
const CONCURRENCY = Number(values.concurrency ?? 16);

interface Req {
  method: string;
  path: string;
  body?: unknown;
}

function client(base: string) {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return (req: Req): Promise<{ status: number; json: unknown }> =>
    new Promise((resolve, reject) => {
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      const r = request(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: encodeURI(req.path),
          agent,
          headers: {
            Authorization: 'Bearer bench',
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? (JSON.parse(text) as unknown) : undefined;
            } catch {
              json = text;
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      r.on('error', reject);
      r.end(payload);
    });
}

function startChild(command: string, args: string[], readyPattern: RegExp): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = readyPattern.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready: ${out}`)));
  });
}

/** p50/p99 of the emulator's own handling time (its request log's durationMs) since `since`. */
async function handlerTimes(
  call: (r: Req) => Promise<{ status: number; json: unknown }>,
  since: number,
): Promise<{ text: string; next: number }> {
  const durations: number[] = [];
  let cursor = since;
  for (;;) {
    const page = (await call({ method: 'GET', path: `/_emulator/log?since=${cursor}&limit=100000&bodies=false` })).json as {
      entries: { durationMs: number; batch: boolean }[];
      next: number;
    };
    if (page.entries.length === 0) break;
    for (const e of page.entries) if (!e.batch) durations.push(e.durationMs);
    cursor = page.next;
  }
  durations.sort((a, b) => a - b);
  const at = (q: number): string => (durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0).toFixed(2);
  return { text: `handler p50 ${at(0.5)} ms, p99 ${at(0.99)} ms per operation`, next: cursor };
}

async function measure(name: string, call: (r: Req) => Promise<{ status: number }>, make: (i: number) => Req): Promise<void> {
  // Warm-up (JIT, first-request work) is not counted.
  for (let i = 0; i < 50; i++) await call(make(1_000_000 + i));
  let n = 0;
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const r = await call(make(n++));
        if (r.status >= 400) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  console.log(`${name.padEnd(56)} ${(n / elapsed).toFixed(0).padStart(6)} req/s  (${n} requests, ${errors} errors)`);
}

let logCursor = 0;
async function measureEmulator(
  name: string,
  call: (r: Req) => Promise<{ status: number; json: unknown }>,
  make: (i: number) => Req,
): Promise<void> {
  await measure(name, call, make);
  const times = await handlerTimes(call, logCursor);
  logCursor = times.next;
  console.log(`${''.padEnd(56)}   ${times.text}`);
}

async function main(): Promise<void> {
  console.log(
    `graph-emulator throughput — ${DEVICES} devices, ${CONCURRENCY} concurrent clients, ${SECONDS} s per scenario, node ${process.version}, ${cpus().length} CPUs, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );

  const baseline = await startChild(
    process.execPath,
    [
      '-e',
      "require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'Content-Type':'application/json'});s.end('{}')})}).listen(0,'127.0.0.1',function(){console.log('ready http://127.0.0.1:'+this.address().port)})",
    ],
    /ready (\S+)/,
  );
  await measure('baseline: trivial node:http server (machine ceiling)', client(baseline.url), () => ({ method: 'GET', path: '/' }));
  baseline.child.kill();

  const dir = mkdtempSync(join(tmpdir(), 'emu-bench-'));
  const seedFile = join(dir, 'seed.json');
  const tutorial = JSON.parse(readFileSync(TUTORIAL_TENANT.seedFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    seedFile,
    JSON.stringify({ ...tutorial, generatedDevices: { count: DEVICES, serialPrefix: 'BENCH', manufacturer: 'Contoso', model: 'Laptop' } }),
  );
  const seedStarted = performance.now();
  const emu = await startChild(
    process.execPath,
    ['--import', 'tsx', 'local/graph-emulator/cli.ts', '--port', '0', '--time-scale', '0', '--seed', seedFile],
    /ready (\S+)/,
  );
  console.log(`emulator ready with ${DEVICES} seeded devices in ${(performance.now() - seedStarted).toFixed(0)} ms (incl. tsx start-up)`);
  const call = client(emu.url);
  // --log-bodies false: measure without the request log keeping bodies (default: kept, as in tests).
  if (values['log-bodies'] === 'false') await call({ method: 'PATCH', path: '/_emulator/settings', body: { logBodies: false } });
  try {
    const first = (await call({ method: 'GET', path: '/beta/deviceManagement/windowsAutopilotDeviceIdentities?$top=1000' })).json as {
      value: { id: string; azureActiveDirectoryDeviceId: string }[];
    };
    const apIds = first.value.map((d) => d.id);
    const aadIds = first.value.map((d) => d.azureActiveDirectoryDeviceId);
    const objectIds: string[] = [];
    for (const id of aadIds.slice(0, 200)) {
      const r = (await call({ method: 'GET', path: `/v1.0/devices?$filter=deviceId eq '${id}'&$select=id` })).json as {
        value: { id: string }[];
      };
      objectIds.push(r.value[0]!.id);
    }
    const width = String(DEVICES).length;
    let serial = 0;
    const scenarios: [string, (i: number) => Req][] = [
      [
        'GET Autopilot device by id (beta, $expand profiles)',
        (i) => ({
          method: 'GET',
          path: `/beta/deviceManagement/windowsAutopilotDeviceIdentities/${apIds[i % apIds.length]}?$expand=deploymentProfile,intendedDeploymentProfile`,
        }),
      ],
      [
        "GET /devices?$filter=deviceId eq '…'",
        (i) => ({ method: 'GET', path: `/v1.0/devices?$filter=deviceId eq '${aadIds[i % aadIds.length]}'` }),
      ],
      [
        'POST /devices/{id}/checkMemberGroups',
        (i) => ({
          method: 'POST',
          path: `/v1.0/devices/${objectIds[i % objectIds.length]}/checkMemberGroups`,
          body: { groupIds: [TUTORIAL_TENANT.autopilotGroupId] },
        }),
      ],
      [
        `GET Autopilot list contains(serialNumber,'…') over ${DEVICES}`,
        (i) => ({
          method: 'GET',
          path: `/beta/deviceManagement/windowsAutopilotDeviceIdentities?$filter=contains(serialNumber,'BENCH${String((i % DEVICES) + 1).padStart(width, '0')}')`,
        }),
      ],
      [
        'POST import (1 device) / GET import record, alternating',
        (i) => {
          if (i % 2 === 1) return { method: 'GET', path: '/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities?$top=1' };
          serial++;
          return {
            method: 'POST',
            path: '/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import',
            body: {
              importedWindowsAutopilotDeviceIdentities: [
                {
                  serialNumber: `NEW${serial}`,
                  hardwareIdentifier: generateHardwareHash({ serialNumber: `NEW${serial}`, manufacturer: 'Contoso', model: 'Laptop' }),
                  groupTag: '',
                  productKey: '',
                },
              ],
            },
          };
        },
      ],
      [
        '$batch of 20 × GET devices/{id} (counts as 1 request)',
        (i) => ({
          method: 'POST',
          path: '/v1.0/$batch',
          body: {
            requests: Array.from({ length: 20 }, (_, k) => ({
              id: String(k),
              method: 'GET',
              url: `/devices/${objectIds[(i * 20 + k) % objectIds.length]}`,
            })),
          },
        }),
      ],
      [
        'GET group transitiveMembers/microsoft.graph.device, 999/page',
        () => ({
          method: 'GET',
          path: `/v1.0/groups/${TUTORIAL_TENANT.autopilotGroupId}/transitiveMembers/microsoft.graph.device?$top=999&$select=id,deviceId`,
        }),
      ],
    ];
    logCursor = (await handlerTimes(call, 0)).next;
    for (const [name, make] of scenarios) await measureEmulator(name, call, make);
  } finally {
    emu.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
