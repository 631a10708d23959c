/**
 * The framework: a profile's plugins, instantiated once and grouped by extension point, ready for
 * `schedulePod` (cycle.ts). Building it validates the profile, so a misspelt plugin name fails at
 * start-up, not at the first pod.
 */

import { FrameworkConfigError } from '../../../protocol/errors.js';
import { defaultProfile, type Profile } from './profile.js';
import { defaultRegistry, type Registry } from './registry.js';
import type {
  ClusterEvent,
  FilterPlugin,
  NodeInfo,
  Plugin,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
  Status,
} from './types.js';

/** A score plugin with the weight its normalized score is multiplied by. */
export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/**
 * Buffers one cycle reuses instead of allocating: the cycle is synchronous and never re-entered
 * (the scheduling loop runs one pod at a time), so one set per framework is safe. Keeping them
 * here rather than in module variables keeps two frameworks (two profiles, or tests) apart.
 */
export class CycleScratch {
  readonly feasible: NodeInfo[] = [];
  readonly skipped = new Set<string>();
  readonly filters: FilterPlugin[] = [];
  readonly scorers: WeightedScorePlugin[] = [];
  readonly rejectedNodes: NodeInfo[] = [];
  readonly rejectedStatuses: Status[] = [];
  readonly rejectedPlugins: string[] = [];
  private totals = new Float64Array(1024);
  private scores = new Float64Array(1024);

  /** Zeroed totals for `n` nodes. */
  totalsFor(n: number): Float64Array {
    if (this.totals.length < n) this.totals = new Float64Array(n * 2);
    const view = this.totals.subarray(0, n);
    view.fill(0);
    return view;
  }

  /** A score buffer for `n` nodes (contents undefined: the caller writes every slot). */
  scoresFor(n: number): Float64Array {
    if (this.scores.length < n) this.scores = new Float64Array(n * 2);
    return this.scores.subarray(0, n);
  }

  /** Forgets the previous cycle. */
  reset(): void {
    this.feasible.length = 0;
    this.skipped.clear();
    this.filters.length = 0;
    this.scorers.length = 0;
    this.rejectedNodes.length = 0;
    this.rejectedStatuses.length = 0;
    this.rejectedPlugins.length = 0;
  }
}

/** A profile's plugins by extension point, in profile order. */
export class Framework {
  readonly preFilterPlugins: readonly PreFilterPlugin[];
  readonly filterPlugins: readonly FilterPlugin[];
  readonly preScorePlugins: readonly PreScorePlugin[];
  readonly scorePlugins: readonly WeightedScorePlugin[];
  /** Which cluster events may undo each plugin's rejections (the queue's `pluginEvents`). */
  readonly pluginEvents: ReadonlyMap<string, readonly ClusterEvent[]>;
  readonly scratch = new CycleScratch();

  constructor(
    readonly profile: Profile,
    plugins: readonly { readonly plugin: Plugin; readonly weight: number }[],
  ) {
    const all = plugins.map((p) => p.plugin);
    this.preFilterPlugins = all.filter(isPreFilterPlugin);
    this.filterPlugins = all.filter(isFilterPlugin);
    this.preScorePlugins = all.filter(isPreScorePlugin);
    this.scorePlugins = plugins.flatMap(({ plugin, weight }) =>
      isScorePlugin(plugin) ? [{ plugin, weight }] : [],
    );
    const events = new Map<string, readonly ClusterEvent[]>();
    for (const plugin of all) {
      if (isPreFilterPlugin(plugin) || isFilterPlugin(plugin)) events.set(plugin.name, plugin.events);
    }
    this.pluginEvents = events;
  }

  /** The profile's percentageOfNodesToScore, if it sets one. */
  get percentageOfNodesToScore(): number | undefined {
    return this.profile.percentageOfNodesToScore;
  }
}

/** Builds the framework of `profile` from `registry`; throws FrameworkConfigError when invalid. */
export function newFramework(
  profile: Profile = defaultProfile(),
  registry: Registry = defaultRegistry(),
): Framework {
  const seen = new Set<string>();
  const plugins = profile.plugins.map(({ name, weight = 1 }) => {
    const factory = registry[name];
    if (factory === undefined || !Object.hasOwn(registry, name)) {
      throw new FrameworkConfigError(`profile ${profile.schedulerName}: unknown plugin ${name}`);
    }
    if (seen.has(name)) throw new FrameworkConfigError(`profile ${profile.schedulerName}: ${name} twice`);
    seen.add(name);
    if (!Number.isInteger(weight) || weight < 1) {
      throw new FrameworkConfigError(
        `profile ${profile.schedulerName}: weight of ${name} must be a positive integer, got ${weight}`,
      );
    }
    return { plugin: factory(), weight };
  });
  const pct = profile.percentageOfNodesToScore;
  if (pct !== undefined && !(Number.isInteger(pct) && pct >= 1 && pct <= 100)) {
    throw new FrameworkConfigError(
      `profile ${profile.schedulerName}: percentageOfNodesToScore must be 1..100, got ${pct}`,
    );
  }
  return new Framework(profile, plugins);
}

function isPreFilterPlugin(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
}

function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}

function isPreScorePlugin(p: Plugin): p is PreScorePlugin {
  return typeof (p as Partial<PreScorePlugin>).preScore === 'function';
}

function isScorePlugin(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === 'function';
}
