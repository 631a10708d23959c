/**
 * The actor kernel's public API: the runtime (actors, pools, supervision), the controller toolkit
 * (work queue, workers, expectations), and the plumbing every component shares (clock, backoff,
 * logs, metrics). Test helpers live in `./testing/` and are deliberately not exported here.
 */
export type {
  ActorContext,
  ActorFactory,
  ActorLogic,
  ActorPool,
  ActorRef,
  AnyActorRef,
  StopOptions,
  SupervisionEvent,
  Supervisor,
} from './actor.js';
export { notifySupervisor } from './actor.js';
export {
  type BackoffPolicy,
  backoffDelay,
  backoffPolicy,
  supervisionBackoff,
  workQueueBackoff,
} from './backoff.js';
export { type Clock, SimulatedClock, sleepOn, systemClock, type Timer } from './clock.js';
export { type RunWorkersOptions, runWorkers, type SyncFn } from './controller.js';
export {
  ControllerExpectations,
  type Expectation,
  type ExpectationsDeps,
  expectationsTtlMs,
} from './expectations.js';
export {
  type CapturedLogger,
  captureLogger,
  createLogger,
  describeMessage,
  type Logger,
  type LoggerOptions,
  type LogRecord,
  silentLogger,
} from './log.js';
export { Mailbox, type Take } from './mailbox.js';
export {
  createRegistry,
  type MetricsServer,
  type RegistryOptions,
  type ServeMetricsOptions,
  serveMetrics,
} from './metrics.js';
export {
  decideRestart,
  defaultSupervisionPolicy,
  type RestartDecision,
  type RestartHistory,
  type SupervisionOverrides,
  type SupervisionPolicy,
  supervisionPolicy,
} from './supervision.js';
export {
  ActorSystem,
  type ActorSystemDeps,
  type PoolOptions,
  SpawnError,
  type SpawnOptions,
} from './system.js';
export { WorkQueue, type WorkQueueOptions } from './workqueue.js';
export { noWorkQueueMetrics, type WorkQueueMetrics, workQueueMetrics } from './workqueue-metrics.js';
