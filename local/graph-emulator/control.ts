import { z } from 'zod';
import { handleDrift } from './drift';
import { resolveEsp } from './domain/esp';
import { enrollmentConfiguration } from './serialize/intune';
import { HoldRuleSchema } from './holds';
import { applySeed } from './seed';
import { SettingsPatchSchema } from './settings';
import type { EmulatorCore } from './server';

/**
 * `/_emulator/*`: the control surface outside Graph (no token, not logged, not throttled).
 * Documented in docs/GRAPH-EMULATOR.md, "Control API".
 */
export interface ControlResult {
  status: number;
  body?: unknown;
}

const AdvanceSchema = z
  .strictObject({ ms: z.number().min(0).optional(), seconds: z.number().min(0).optional(), minutes: z.number().min(0).optional() })
  .refine((b) => b.ms !== undefined || b.seconds !== undefined || b.minutes !== undefined, 'give ms, seconds or minutes');

const fail = (status: number, message: string): ControlResult => ({ status, body: { error: message } });

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function handleControl(core: EmulatorCore, method: string, path: string, search: URLSearchParams, body: unknown): ControlResult {
  const tenant = core.tenant;
  const route = `${method} ${path.replace(/\/+$/, '')}`;
  try {
    if (route === 'GET /_emulator/health') return { status: 200, body: { ok: true, url: core.url } };
    if (route === 'POST /_emulator/reset') {
      tenant.reset();
      core.throttler.reset();
      core.log.clear();
      if (body !== undefined && body !== null) return { status: 200, body: { ok: true, seeded: applySeed(tenant, body) } };
      return { status: 200, body: { ok: true } };
    }
    if (route === 'POST /_emulator/seed') {
      tenant.runDue();
      return { status: 200, body: { ok: true, seeded: applySeed(tenant, body) } };
    }
    if (route === 'GET /_emulator/clock') {
      return {
        status: 200,
        body: {
          now: tenant.clock.iso(),
          nowMs: tenant.clock.now(),
          advancedMs: tenant.clock.advancedMs,
          frozen: tenant.clock.frozen,
          timeScale: core.settings.timeScale,
          pendingEvents: tenant.scheduler.size,
          nextDue: tenant.scheduler.nextDue() ?? null,
        },
      };
    }
    if (route === 'POST /_emulator/clock/freeze') {
      const parsed = z.strictObject({ frozen: z.boolean() }).safeParse(body ?? {});
      if (!parsed.success) return fail(400, zodMessage(parsed.error));
      tenant.clock.freeze(parsed.data.frozen);
      return { status: 200, body: { now: tenant.clock.iso(), frozen: tenant.clock.frozen } };
    }
    if (route === 'POST /_emulator/clock/advance') {
      const parsed = AdvanceSchema.safeParse(body ?? {});
      if (!parsed.success) return fail(400, zodMessage(parsed.error));
      const ms = (parsed.data.ms ?? 0) + (parsed.data.seconds ?? 0) * 1000 + (parsed.data.minutes ?? 0) * 60_000;
      tenant.clock.advance(ms);
      const ran = tenant.runDue();
      return { status: 200, body: { now: tenant.clock.iso(), advancedMs: tenant.clock.advancedMs, eventsRun: ran } };
    }
    if (route === 'GET /_emulator/settings') return { status: 200, body: core.settings };
    if (route === 'PATCH /_emulator/settings') {
      const parsed = SettingsPatchSchema.safeParse(body ?? {});
      if (!parsed.success) return fail(400, zodMessage(parsed.error));
      core.updateSettings(parsed.data);
      return { status: 200, body: core.settings };
    }
    if (route === 'GET /_emulator/log') {
      const since = Number(search.get('since') ?? '0');
      const limit = Math.min(Number(search.get('limit') ?? '10000'), 100_000);
      if (!Number.isInteger(since) || !Number.isInteger(limit) || limit < 1)
        return fail(400, 'since and limit must be integers (limit ≥ 1)');
      return { status: 200, body: core.log.read(since, limit, search.get('bodies') !== 'false') };
    }
    if (route === 'DELETE /_emulator/log') {
      core.log.clear();
      return { status: 200, body: { ok: true } };
    }
    if (route === 'GET /_emulator/log/summary') return { status: 200, body: core.log.summary() };
    const esp = /^GET \/_emulator\/esp\/([^/]+)$/.exec(route);
    if (esp) {
      tenant.runDue();
      const id = decodeURIComponent(esp[1]!);
      if (!tenant.store.devices.has(id)) return fail(404, `no Entra device with object id ${id}`);
      const config = resolveEsp(tenant, id);
      return { status: 200, body: config ? enrollmentConfiguration(config, 'beta') : null };
    }
    if (route === 'POST /_emulator/holds') {
      const parsed = HoldRuleSchema.safeParse(body ?? {});
      if (!parsed.success) return fail(400, zodMessage(parsed.error));
      core.holds.add(parsed.data);
      return { status: 200, body: core.holds.status() };
    }
    if (route === 'GET /_emulator/holds') return { status: 200, body: core.holds.status() };
    if (route === 'POST /_emulator/holds/release') return { status: 200, body: { released: core.holds.releaseAll() } };
    if (route === 'POST /_emulator/state/save') {
      if (!core.stateFile) return fail(400, 'the emulator was started without --state');
      core.saveState();
      return { status: 200, body: { ok: true, file: core.stateFile } };
    }
    const drift = handleDrift(tenant, method, path.replace(/\/+$/, ''), body);
    if (drift) return drift;
    return fail(404, `unknown control endpoint ${route}`);
  } catch (error) {
    if (error instanceof z.ZodError) return fail(400, zodMessage(error));
    return fail(400, error instanceof Error ? error.message : String(error));
  }
}
