/**
 * `describe` as kubectl prints it: `Key:\tvalue` lines at indentation levels, aligned by Go's
 * tabwriter (padding 2), per kind (pods, deployments, nodes, services; a generic describer for the
 * rest), each ending with the object's Events table.
 */
import { formatAge } from './age.js';
import { alignTabs, DESCRIBE_TABS } from './tabwriter.js';

// biome-ignore lint/suspicious/noExplicitAny: describers read whatever shape the server stored
type Obj = Record<string, any>;

/** A related event, as `describe` lists it. */
export interface DescribedEvent {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly source?: { readonly component?: string };
  readonly reportingComponent?: string;
}

/** What a describer may look up besides the object itself. */
export interface DescribeContext {
  readonly events: readonly DescribedEvent[];
  /** For deployments: the ReplicaSets it owns (old and new). */
  readonly replicaSets?: readonly Obj[];
  /** For nodes: the pods bound to it. */
  readonly pods?: readonly Obj[];
  /** For services: their Endpoints. */
  readonly endpoints?: Obj;
  readonly now?: number;
}

/** Lines at indentation levels, tab-separated cells, aligned once at the end. */
class DescribeWriter {
  private readonly lines: string[] = [];
  /** One line: `level` indents by two spaces, `cells` are tab-separated. */
  write(level: number, ...cells: string[]): void {
    this.lines.push('  '.repeat(level) + cells.join('\t'));
  }
  /** A line written as it is (kubectl's odd one-space indents). */
  raw(line: string): void {
    this.lines.push(line);
  }
  toString(): string {
    return `${alignTabs(this.lines.join('\n'), DESCRIBE_TABS)}\n`;
  }
}

/** Describes one object of `kind`. */
export function describeObject(kind: string, obj: Obj, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  switch (kind) {
    case 'Pod':
      describePod(w, obj, ctx);
      break;
    case 'Deployment':
      describeDeployment(w, obj, ctx);
      break;
    case 'Node':
      describeNode(w, obj, ctx);
      break;
    case 'Service':
      describeService(w, obj, ctx);
      break;
    case 'Namespace':
      // kubectl's namespace describer lists no events (quotas and limit ranges, which Skiff lacks).
      describeNamespace(w, obj);
      return w.toString();
    default:
      describeGeneric(w, obj);
  }
  writeEvents(w, ctx);
  return w.toString();
}

/** kubectl's time format: `Fri, 04 Dec 2026 22:11:02 +0000` (RFC 1123 with a numeric zone, UTC). */
export function describeTime(timestamp: string | undefined): string {
  const t = Date.parse(timestamp ?? '');
  if (Number.isNaN(t)) return '<unset>';
  const d = new Date(t);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function describePod(w: DescribeWriter, pod: Obj, ctx: DescribeContext): void {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const meta = pod.metadata ?? {};
  w.write(0, 'Name:', meta.name ?? '');
  w.write(0, 'Namespace:', meta.namespace ?? '');
  if (spec.priority !== undefined) w.write(0, 'Priority:', String(spec.priority));
  if (spec.serviceAccountName) w.write(0, 'Service Account:', spec.serviceAccountName);
  w.write(
    0,
    'Node:',
    spec.nodeName ? `${spec.nodeName}${status.hostIP ? `/${status.hostIP}` : ''}` : '<none>',
  );
  if (status.startTime) w.write(0, 'Start Time:', describeTime(status.startTime));
  writeMap(w, 0, 'Labels:', meta.labels);
  writeMap(w, 0, 'Annotations:', meta.annotations);
  if (meta.deletionTimestamp) {
    w.write(0, 'Status:', `Terminating (lasts ${formatAge(meta.deletionTimestamp, ctx.now)})`);
  } else {
    w.write(0, 'Status:', status.phase ?? 'Pending');
  }
  if (status.reason) w.write(0, 'Reason:', status.reason);
  if (status.message) w.write(0, 'Message:', status.message);
  w.write(0, 'IP:', status.podIP ?? '');
  const ips: Obj[] = status.podIPs ?? [];
  if (ips.length === 0) w.write(0, 'IPs:', '<none>');
  else {
    w.write(0, 'IPs:');
    for (const ip of ips) w.write(1, 'IP:', ip.ip ?? '');
  }
  const owner = (meta.ownerReferences ?? []).find((o: Obj) => o.controller);
  if (owner) w.write(0, 'Controlled By:', `${owner.kind}/${owner.name}`);
  writeContainers(w, 0, spec.containers ?? [], status.containerStatuses ?? []);
  const conditions: Obj[] = status.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:');
    w.write(1, 'Type', 'Status');
    // kubectl's cells end in a space here ("%v \t%v \n"), which widens the column by one.
    for (const c of conditions) w.write(1, `${c.type ?? ''} `, `${c.status ?? ''} `);
  }
  const volumes: Obj[] = spec.volumes ?? [];
  if (volumes.length === 0) w.write(0, 'Volumes:', '<none>');
  else {
    w.write(0, 'Volumes:');
    for (const v of volumes) {
      w.write(1, `${v.name}:`);
      const source = Object.keys(v).find((k) => k !== 'name');
      w.write(2, 'Type:', source ?? '<unknown>');
    }
  }
  w.write(0, 'QoS Class:', status.qosClass ?? '<none>');
  writeMap(w, 0, 'Node-Selectors:', spec.nodeSelector);
  const tolerations: Obj[] = spec.tolerations ?? [];
  w.write(
    0,
    'Tolerations:',
    tolerations.length === 0
      ? '<none>'
      : tolerations
          .map((t) => {
            const kv = t.key ? `${t.key}${t.operator === 'Exists' ? '' : `=${t.value ?? ''}`}` : '';
            const effect = t.effect ? `:${t.effect}` : '';
            const op =
              t.operator === 'Exists' && !t.key ? 'op=Exists' : t.operator === 'Exists' ? ' op=Exists' : '';
            return `${kv}${effect}${op}${t.tolerationSeconds !== undefined ? ` for ${t.tolerationSeconds}s` : ''}`;
          })
          .join(', '),
  );
}

function writeContainers(w: DescribeWriter, level: number, containers: Obj[], statuses: Obj[]): void {
  w.write(level, 'Containers:');
  for (const c of containers) {
    const st = statuses.find((s) => s.name === c.name);
    w.write(level + 1, `${c.name}:`);
    if (st) w.write(level + 2, 'Container ID:', st.containerID ?? '');
    w.write(level + 2, 'Image:', c.image ?? '');
    if (st) w.write(level + 2, 'Image ID:', st.imageID ?? '');
    const ports: Obj[] = c.ports ?? [];
    w.write(
      level + 2,
      'Port:',
      ports.length === 0
        ? '<none>'
        : ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', '),
    );
    w.write(
      level + 2,
      'Host Port:',
      ports.length === 0
        ? '<none>'
        : ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', '),
    );
    if (c.command) writeList(w, level + 2, 'Command:', c.command);
    if (c.args) writeList(w, level + 2, 'Args:', c.args);
    if (st) {
      writeState(w, level + 2, 'State:', st.state);
      if (st.lastState && Object.keys(st.lastState).length > 0)
        writeState(w, level + 2, 'Last State:', st.lastState);
      w.write(level + 2, 'Ready:', st.ready ? 'True' : 'False');
      w.write(level + 2, 'Restart Count:', String(st.restartCount ?? 0));
    }
    const env: Obj[] = c.env ?? [];
    if (env.length === 0) w.write(level + 2, 'Environment:', '<none>');
    else {
      w.write(level + 2, 'Environment:');
      for (const e of env) w.write(level + 3, `${e.name}:`, e.value ?? '<set from a reference>');
    }
    const mounts: Obj[] = c.volumeMounts ?? [];
    if (mounts.length === 0) w.write(level + 2, 'Mounts:', '<none>');
    else {
      w.write(level + 2, 'Mounts:');
      for (const m of mounts)
        w.write(level + 3, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'})`);
    }
  }
}

function writeState(w: DescribeWriter, level: number, label: string, state: Obj | undefined): void {
  if (state?.running) {
    w.write(level, label, 'Running');
    w.write(level + 1, 'Started:', describeTime(state.running.startedAt));
  } else if (state?.waiting) {
    w.write(level, label, 'Waiting');
    if (state.waiting.reason) w.write(level + 1, 'Reason:', state.waiting.reason);
    if (state.waiting.message) w.write(level + 1, 'Message:', state.waiting.message);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(level, label, 'Terminated');
    if (t.reason) w.write(level + 1, 'Reason:', t.reason);
    if (t.message) w.write(level + 1, 'Message:', t.message);
    w.write(level + 1, 'Exit Code:', String(t.exitCode ?? 0));
    if (t.startedAt) w.write(level + 1, 'Started:', describeTime(t.startedAt));
    if (t.finishedAt) w.write(level + 1, 'Finished:', describeTime(t.finishedAt));
  } else {
    w.write(level, label, 'Waiting');
  }
}

function describeDeployment(w: DescribeWriter, d: Obj, ctx: DescribeContext): void {
  const spec = d.spec ?? {};
  const status = d.status ?? {};
  writeHeader(w, d);
  w.write(0, 'Selector:', selectorText(spec.selector));
  const replicas = spec.replicas ?? 1;
  w.write(
    0,
    'Replicas:',
    `${replicas} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable`,
  );
  const strategy = spec.strategy ?? {};
  w.write(0, 'StrategyType:', strategy.type ?? 'RollingUpdate');
  w.write(0, 'MinReadySeconds:', String(spec.minReadySeconds ?? 0));
  if ((strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
    const ru = strategy.rollingUpdate ?? {};
    w.write(
      0,
      'RollingUpdateStrategy:',
      `${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge`,
    );
  }
  if (spec.paused) w.write(0, 'Paused:', 'true');
  writeTemplate(w, spec.template ?? {});
  const conditions: Obj[] = status.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:');
    w.write(1, 'Type', 'Status', 'Reason');
    w.write(1, '----', '------', '------');
    for (const c of conditions) w.write(1, `${c.type ?? ''} `, c.status ?? '', c.reason ?? '');
  }
  const owned = (ctx.replicaSets ?? []).filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some((o: Obj) => o.uid === d.metadata?.uid),
  );
  const newRs = owned.find((rs) => templatesMatch(rs.spec?.template, spec.template));
  const old = owned.filter((rs) => rs !== newRs && (rs.spec?.replicas ?? 0) + (rs.status?.replicas ?? 0) > 0);
  const rsText = (rs: Obj) =>
    `${rs.metadata?.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;
  // kubectl prints these only once the Deployment has ReplicaSets.
  if (owned.length > 0) {
    w.write(0, 'OldReplicaSets:', old.length === 0 ? '<none>' : old.map(rsText).join(', '));
    w.write(0, 'NewReplicaSet:', newRs ? rsText(newRs) : '<none>');
  }
}

/** A ReplicaSet's template matches the Deployment's when they are equal without the pod-template-hash label. */
function templatesMatch(a: Obj | undefined, b: Obj | undefined): boolean {
  const strip = (t: Obj | undefined) => {
    const labels = { ...(t?.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    return canonical({ ...(t ?? {}), metadata: { ...(t?.metadata ?? {}), labels } });
  };
  return strip(a) === strip(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${k}:${canonical((value as Obj)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function writeTemplate(w: DescribeWriter, template: Obj): void {
  w.write(0, 'Pod Template:');
  writeMap(w, 1, 'Labels:', template.metadata?.labels);
  if (template.metadata?.annotations) writeMap(w, 1, 'Annotations:', template.metadata.annotations);
  const spec = template.spec ?? {};
  // kubectl indents container names one space deeper than the level under "Containers:".
  const containers: Obj[] = spec.containers ?? [];
  w.write(1, 'Containers:');
  for (const c of containers) {
    w.raw(`   ${c.name}:`);
    w.write(2, 'Image:', c.image ?? '');
    const ports: Obj[] = c.ports ?? [];
    w.write(
      2,
      'Port:',
      ports.length === 0
        ? '<none>'
        : ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', '),
    );
    w.write(
      2,
      'Host Port:',
      ports.length === 0
        ? '<none>'
        : ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', '),
    );
    if (c.command) writeList(w, 2, 'Command:', c.command);
    if (c.args) writeList(w, 2, 'Args:', c.args);
    const env: Obj[] = c.env ?? [];
    if (env.length === 0) w.write(2, 'Environment:', '<none>');
    else {
      w.write(2, 'Environment:');
      for (const e of env) w.write(3, `${e.name}:`, e.value ?? '<set from a reference>');
    }
    const mounts: Obj[] = c.volumeMounts ?? [];
    w.write(2, 'Mounts:', mounts.length === 0 ? '<none>' : mounts.map((m) => m.mountPath).join(', '));
  }
  const volumes: Obj[] = spec.volumes ?? [];
  w.write(1, 'Volumes:', volumes.length === 0 ? '<none>' : volumes.map((v) => v.name).join(', '));
  writeMap(w, 1, 'Node-Selectors:', spec.nodeSelector);
  w.write(
    1,
    'Tolerations:',
    (spec.tolerations ?? []).length === 0
      ? '<none>'
      : (spec.tolerations as Obj[]).map((t) => t.key ?? '').join(', '),
  );
}

function describeNode(w: DescribeWriter, node: Obj, ctx: DescribeContext): void {
  const meta = node.metadata ?? {};
  const spec = node.spec ?? {};
  const status = node.status ?? {};
  w.write(0, 'Name:', meta.name ?? '');
  const roles = Object.keys(meta.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  w.write(0, 'Roles:', roles.length === 0 ? '<none>' : roles.join(','));
  writeMap(w, 0, 'Labels:', meta.labels);
  writeMap(w, 0, 'Annotations:', meta.annotations);
  w.write(0, 'CreationTimestamp:', describeTime(meta.creationTimestamp));
  const taints: Obj[] = spec.taints ?? [];
  if (taints.length === 0) w.write(0, 'Taints:', '<none>');
  else
    taints.forEach((t, i) => {
      w.write(0, i === 0 ? 'Taints:' : '', `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
    });
  w.write(0, 'Unschedulable:', spec.unschedulable ? 'true' : 'false');
  const conditions: Obj[] = status.conditions ?? [];
  w.write(0, 'Conditions:');
  w.write(1, 'Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message');
  w.write(1, '----', '------', '-----------------', '------------------', '------', '-------');
  for (const c of conditions) {
    w.write(
      1,
      c.type ?? '',
      c.status ?? '',
      describeTime(c.lastHeartbeatTime),
      describeTime(c.lastTransitionTime),
      c.reason ?? '',
      c.message ?? '',
    );
  }
  const addresses: Obj[] = status.addresses ?? [];
  w.write(0, 'Addresses:');
  for (const a of addresses) w.write(1, `${a.type}:`, a.address ?? '');
  for (const [label, values] of [
    ['Capacity:', status.capacity],
    ['Allocatable:', status.allocatable],
  ] as const) {
    w.write(0, label);
    for (const [k, v] of Object.entries((values ?? {}) as Obj).sort(([a], [b]) => (a < b ? -1 : 1))) {
      w.write(1, `${k}:`, String(v));
    }
  }
  const pods = (ctx.pods ?? []).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase));
  w.write(0, `Non-terminated Pods:`, `(${pods.length} in total)`);
  if (pods.length > 0) {
    w.write(1, 'Namespace', 'Name', 'Age');
    w.write(1, '---------', '----', '---');
    for (const p of pods) {
      w.write(
        1,
        p.metadata?.namespace ?? '',
        p.metadata?.name ?? '',
        formatAge(p.metadata?.creationTimestamp, ctx.now),
      );
    }
  }
}

function describeService(w: DescribeWriter, svc: Obj, ctx: DescribeContext): void {
  const meta = svc.metadata ?? {};
  const spec = svc.spec ?? {};
  w.write(0, 'Name:', meta.name ?? '');
  w.write(0, 'Namespace:', meta.namespace ?? '');
  writeMap(w, 0, 'Labels:', meta.labels);
  writeMap(w, 0, 'Annotations:', meta.annotations);
  w.write(0, 'Selector:', mapText(spec.selector));
  w.write(0, 'Type:', spec.type ?? 'ClusterIP');
  w.write(0, 'IP Families:', (spec.ipFamilies ?? []).length ? spec.ipFamilies.join(',') : '<none>');
  w.write(0, 'IP:', spec.clusterIP ?? '');
  w.write(0, 'IPs:', (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).join(',') || '<none>');
  const addresses = ((ctx.endpoints?.subsets ?? []) as Obj[]).flatMap((s) => (s.addresses ?? []) as Obj[]);
  for (const p of (spec.ports ?? []) as Obj[]) {
    const protocol = p.protocol ?? 'TCP';
    w.write(0, 'Port:', p.name ?? '<unset>', `${p.port}/${protocol}`);
    w.write(0, 'TargetPort:', `${p.targetPort ?? p.port}/${protocol}`);
    if (p.nodePort) w.write(0, 'NodePort:', p.name ?? '<unset>', `${p.nodePort}/${protocol}`);
    const endpoints = addresses.map((a) => `${a.ip}:${p.targetPort ?? p.port}`);
    w.write(0, 'Endpoints:', endpoints.length === 0 ? '<none>' : endpoints.join(','));
  }
  w.write(0, 'Session Affinity:', spec.sessionAffinity ?? 'None');
}

function describeNamespace(w: DescribeWriter, ns: Obj): void {
  w.write(0, 'Name:', ns.metadata?.name ?? '');
  writeMap(w, 0, 'Labels:', ns.metadata?.labels);
  writeMap(w, 0, 'Annotations:', ns.metadata?.annotations);
  w.write(0, 'Status:', ns.status?.phase ?? 'Active');
}

/** Every other kind: metadata, then the rest of the object as kubectl's generic describer does. */
function describeGeneric(w: DescribeWriter, obj: Obj): void {
  writeHeader(w, obj);
  for (const key of Object.keys(obj)) {
    if (key === 'metadata') continue;
    const label = key === 'apiVersion' ? 'API Version' : titleCase(key);
    writeValue(w, 0, label, obj[key]);
  }
}

function writeValue(w: DescribeWriter, level: number, label: string, value: unknown): void {
  if (Array.isArray(value)) {
    w.write(level, `${label}:`);
    for (const item of value) {
      if (typeof item === 'object' && item !== null) {
        const entries = Object.entries(item as Obj);
        for (const [k, v] of entries) writeValue(w, level + 1, titleCase(k), v);
      } else w.write(level + 1, String(item));
    }
  } else if (typeof value === 'object' && value !== null) {
    w.write(level, `${label}:`);
    for (const [k, v] of Object.entries(value as Obj)) {
      writeValue(w, level + 1, level === 0 && label !== 'Data' ? titleCase(k) : k, v);
    }
  } else {
    w.write(level, `${label}:`, String(value));
  }
}

/** `clusterIP` → `Cluster IP`, kubectl's generic describer's labels. */
function titleCase(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function writeHeader(w: DescribeWriter, obj: Obj): void {
  const meta = obj.metadata ?? {};
  w.write(0, 'Name:', meta.name ?? '');
  if (meta.namespace) w.write(0, 'Namespace:', meta.namespace);
  w.write(0, 'CreationTimestamp:', describeTime(meta.creationTimestamp));
  writeMap(w, 0, 'Labels:', meta.labels);
  writeMap(w, 0, 'Annotations:', meta.annotations);
}

/** `Labels:  a=b` then one `k=v` per line below, or `<none>`. */
function writeMap(w: DescribeWriter, level: number, label: string, map: Obj | undefined): void {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) w.write(level, label, '<none>');
  entries.forEach(([k, v], i) => {
    w.write(level, i === 0 ? label : '', `${k}=${v}`);
  });
}

function writeList(w: DescribeWriter, level: number, label: string, items: readonly string[]): void {
  w.write(level, label);
  for (const item of items) w.write(level + 1, item);
}

function mapText(map: Obj | undefined): string {
  const entries = Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

/** A label selector as kubectl prints it: `app=web,tier in (a,b)`. */
export function selectorText(selector: Obj | undefined): string {
  if (!selector) return '<none>';
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of (selector.matchExpressions ?? []) as Obj[]) {
    const op = String(e.operator);
    if (op === 'Exists') parts.push(e.key);
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${op === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

/** The `Events:` section: `<none>`, or kubectl's Type/Reason/Age/From/Message table, oldest first. */
function writeEvents(w: DescribeWriter, ctx: DescribeContext): void {
  if (ctx.events.length === 0) {
    w.write(0, 'Events:', '<none>');
    return;
  }
  w.write(0, 'Events:');
  w.write(1, 'Type', 'Reason', 'Age', 'From', 'Message');
  w.write(1, '----', '------', '----', '----', '-------');
  const sorted = [...ctx.events].sort((a, b) => eventTime(a) - eventTime(b));
  for (const e of sorted) {
    const first = e.firstTimestamp ?? e.eventTime;
    const age =
      (e.count ?? 1) > 1
        ? `${formatAge(e.lastTimestamp, ctx.now)} (x${e.count} over ${formatAge(first, ctx.now)})`
        : formatAge(first, ctx.now);
    w.write(
      1,
      e.type ?? '',
      e.reason ?? '',
      age,
      e.source?.component || e.reportingComponent || '',
      (e.message ?? '').trim(),
    );
  }
}

function eventTime(e: DescribedEvent): number {
  const t = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}
