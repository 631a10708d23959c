/**
 * What goes into a container besides its image: its environment (`env` with `value` and
 * `valueFrom`, `envFrom`, `$(VAR)` references) and the files of its volumes (ConfigMap, Secret,
 * emptyDir, hostPath), resolved the way the kubelet does. The sources are read through `ConfigSources`,
 * so the rules here are tested without an API server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ContainerConfigError } from '../../protocol/errors.js';
import type { Container } from '../../protocol/resources/container.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { isHeadless, type Service } from '../../protocol/resources/service.js';
import type { Mount } from './runtimes/runtime.js';

/** Where ConfigMap and Secret data comes from (values as UTF-8 text; Secrets already decoded). */
export interface ConfigSources {
  configMap(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  secret(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** The Services of a namespace, for the variables Kubernetes injects about them. */
  services(namespace: string): Promise<readonly Readonly<Service>[]>;
}

/** Services whose variables every pod gets, whatever `enableServiceLinks` says (Kubernetes' master services). */
const MASTER_SERVICES = { namespace: 'default', name: 'kubernetes' } as const;

/**
 * Kubernetes' service environment variables (and the Docker-link ones it still sets) for each
 * Service with a cluster IP: `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`,
 * `<NAME>_SERVICE_PORT_<PORT NAME>`, `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
 * Services of the pod's namespace with `enableServiceLinks` (default true); the `kubernetes`
 * Service of `default` always. Sorted by name, as Kubernetes writes them.
 */
export async function serviceEnvironment(pod: Pod, sources: ConfigSources): Promise<Map<string, string>> {
  const namespace = pod.metadata.namespace ?? 'default';
  const links = pod.spec.enableServiceLinks ?? true;
  const chosen = new Map<string, Readonly<Service>>();
  if (links) for (const svc of await sources.services(namespace)) chosen.set(svc.metadata.name ?? '', svc);
  if (namespace !== MASTER_SERVICES.namespace || !links) {
    const master = (await sources.services(MASTER_SERVICES.namespace)).find(
      (svc) => svc.metadata.name === MASTER_SERVICES.name,
    );
    if (master) chosen.set(MASTER_SERVICES.name, master);
  }
  const env = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) {
    const svc = chosen.get(name) as Readonly<Service>;
    const ip = svc.spec.clusterIP;
    if (!ip || isHeadless(svc.spec)) continue;
    const prefix = name.toUpperCase().replaceAll('-', '_');
    const ports = svc.spec.ports ?? [];
    env.set(`${prefix}_SERVICE_HOST`, ip);
    const first = ports[0];
    if (!first) continue;
    env.set(`${prefix}_SERVICE_PORT`, String(first.port));
    for (const port of ports) {
      if (port.name)
        env.set(`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replaceAll('-', '_')}`, String(port.port));
    }
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    env.set(`${prefix}_PORT`, `${proto}://${ip}:${first.port}`);
    for (const port of ports) {
      const p = (port.protocol ?? 'TCP').toLowerCase();
      const base = `${prefix}_PORT_${port.port}_${p.toUpperCase()}`;
      env.set(base, `${p}://${ip}:${port.port}`);
      env.set(`${base}_PROTO`, p);
      env.set(`${base}_PORT`, String(port.port));
      env.set(`${base}_ADDR`, ip);
    }
  }
  return env;
}

/** The pod's downward-API values a container may read through `fieldRef`. */
export function fieldValue(pod: Pod, hostIP: string, fieldPath: string): string {
  const subscripted = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscripted) {
    const map = subscripted[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[subscripted[2] as string] ?? '';
  }
  const values: Record<string, string> = {
    'metadata.name': pod.metadata.name ?? '',
    'metadata.namespace': pod.metadata.namespace ?? '',
    'metadata.uid': pod.metadata.uid ?? '',
    'spec.nodeName': pod.spec.nodeName ?? '',
    'spec.serviceAccountName': pod.spec.serviceAccountName ?? '',
    'status.hostIP': hostIP,
    'status.hostIPs': hostIP,
    'status.podIP': hostIP,
    'status.podIPs': hostIP,
  };
  return values[fieldPath] ?? '';
}

/**
 * The container's environment in Kubernetes' order: Service variables, `envFrom` sources (later ones win),
 * then `env`, each value with `$(NAME)` references to variables defined before it expanded.
 * A missing source or key is a `ContainerConfigError`, unless the reference is `optional`.
 */
export async function resolveEnvironment(
  pod: Pod,
  container: Container,
  hostIP: string,
  sources: ConfigSources,
): Promise<{ name: string; value: string }[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  // Service variables come first: the container's own `envFrom` and `env` override them.
  const env = await serviceEnvironment(pod, sources);
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const data = await (from.configMapRef
      ? sources.configMap(namespace, ref.name)
      : sources.secret(namespace, ref.name));
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
    }
    for (const [key, value] of Object.entries(data)) env.set(`${from.prefix ?? ''}${key}`, value);
  }
  for (const variable of container.env ?? []) {
    const value = await envValue(pod, variable, hostIP, namespace, sources);
    if (value === undefined) continue; // an optional reference to something missing: not set
    env.set(variable.name, expand(value, env));
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

async function envValue(
  pod: Pod,
  variable: NonNullable<Container['env']>[number],
  hostIP: string,
  namespace: string,
  sources: ConfigSources,
): Promise<string | undefined> {
  const from = variable.valueFrom;
  if (!from) return variable.value ?? '';
  if (from.fieldRef) return fieldValue(pod, hostIP, from.fieldRef.fieldPath);
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (ref) {
    const isConfigMap = from.configMapKeyRef !== undefined;
    const data = await (isConfigMap
      ? sources.configMap(namespace, ref.name)
      : sources.secret(namespace, ref.name));
    const kind = isConfigMap ? 'ConfigMap' : 'Secret';
    if (!data) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
    }
    const value = data[ref.key];
    if (value === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}`);
    }
    return value;
  }
  // resourceFieldRef: the container's own limits and requests come with resource accounting.
  return '';
}

/** Kubernetes' `$(NAME)` expansion: defined names are replaced, `$$` is a literal `$`, others stay. */
export function expand(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && defined.has(name) ? (defined.get(name) as string) : match;
  });
}

/**
 * Writes the pod's ConfigMap and Secret volumes as files and makes its emptyDirs, under
 * `<root>/<pod uid>/volumes/<volume>/`, and returns the mounts of `container`. Files are written
 * again at every container start, so a restarted container sees the current data.
 */
export async function prepareVolumes(
  pod: Pod,
  container: Container,
  root: string,
  sources: ConfigSources,
): Promise<Mount[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  const base = path.join(root, pod.metadata.uid ?? 'unknown', 'volumes');
  const mounts: Mount[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) throw new ContainerConfigError(`volume "${mount.name}" is not defined in the pod`);
    let hostPath: string;
    if (volume.hostPath) hostPath = volume.hostPath.path;
    else {
      hostPath = path.join(base, volume.name);
      mkdirSync(hostPath, { recursive: true });
      const source = volume.configMap ?? volume.secret;
      if (source) {
        const name = volume.configMap ? volume.configMap.name : (volume.secret?.secretName ?? '');
        const kind = volume.configMap ? 'configmap' : 'secret';
        const data = await (volume.configMap
          ? sources.configMap(namespace, name)
          : sources.secret(namespace, name));
        if (!data && !source.optional) throw new ContainerConfigError(`${kind} "${name}" not found`);
        const items: { key: string; path: string; mode?: number }[] =
          source.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
        for (const item of items) {
          const value = data?.[item.key];
          if (value === undefined) {
            if (source.optional) continue;
            throw new ContainerConfigError(`couldn't find key ${item.key} in ${kind} ${namespace}/${name}`);
          }
          const file = path.join(hostPath, item.path);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, value, { mode: item.mode ?? source.defaultMode ?? 0o644 });
        }
      }
    }
    const target = mount.subPath ? path.join(hostPath, mount.subPath) : hostPath;
    mounts.push({
      hostPath: target,
      containerPath: mount.mountPath,
      readOnly: mount.readOnly ?? Boolean(volume.configMap ?? volume.secret),
    });
  }
  return mounts;
}
