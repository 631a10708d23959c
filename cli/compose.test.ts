/**
 * docker-compose.yml cannot be run on these machines (no Docker engine), so it is checked here:
 * every Skiff service runs a real `skiff run <component>` with flags that component accepts, and
 * every address and dependency names a service that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  ports?: string[];
}

const root = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const skiffServices = Object.entries(compose.services).filter(([, s]) => s.image === 'skiff:dev');

describe('docker-compose.yml', () => {
  it('has NATS with JetStream, a durable Redis, and the API server', () => {
    expect(compose.services.nats?.command).toContain('-js');
    const redis = compose.services.redis?.command?.join(' ') ?? '';
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--appendfsync always');
    expect(skiffServices.map(([name]) => name)).toContain('apiserver');
  });

  it.each(skiffServices)('%s runs a real component with flags it accepts', async (_name, service) => {
    const [verb, component, ...args] = service.command ?? [];
    expect(verb).toBe('run');
    const file = `${root}cli/commands/run/${component}.ts`;
    expect(existsSync(file), `no command for component ${component}`).toBe(true);
    const command = (await import(file)) as { default: { flags: Record<string, unknown> } };
    for (const arg of args.filter((a) => a.startsWith('--'))) {
      expect(Object.keys(command.default.flags), `--${arg.slice(2)} of ${component}`).toContain(arg.slice(2));
    }
  });

  it.each(skiffServices)('%s points at services that exist', (_name, service) => {
    for (const key of ['NATS_URL', 'REDIS_URL']) {
      const url = service.environment?.[key];
      if (url) expect(Object.keys(compose.services)).toContain(new URL(url).hostname);
    }
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      expect(Object.keys(compose.services)).toContain(dependency);
    }
  });

  it('publishes the API only on loopback, on the port it listens on', () => {
    const api = compose.services.apiserver as Service;
    const listen = api.command?.[api.command.indexOf('--listen') + 1] ?? '';
    expect(api.ports).toEqual([`127.0.0.1:6443:${listen.split(':')[1]}`]);
  });

  it('builds from a Dockerfile whose sources exist', () => {
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(' '),
    );
    for (const source of sources) expect(existsSync(`${root}${source}`), source).toBe(true);
  });

  it('copies into the build stage every file `npm run build` reads', () => {
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(' ').map((s) => s.replace(/^\.\//, '')),
    );
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { build: string } };
    const read = [...pkg.scripts.build.matchAll(/(?:-p |node )(\S+)/g)].map((m) => m[1] as string);
    expect(read.length).toBeGreaterThan(0);
    for (const file of read) {
      expect(
        copied.some((c) => file === c || file.startsWith(`${c}/`)),
        file,
      ).toBe(true);
    }
  });
});
