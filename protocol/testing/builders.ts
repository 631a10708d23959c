/**
 * Fluent fixture builders for tests. Every `.obj()` is a valid, defaulted object, parsed through
 * its kind's schema. Test-only: production code must never import `protocol/testing`.
 *
 *   makePod('web-1').namespace('default').node('n1').labels({app: 'web'}).requests({cpu: '100m'}).obj()
 *   makeNode('n1').capacity({cpu: '4', memory: '8Gi', pods: '110'}).taint({key: 'k', effect: 'NoSchedule'}).obj()
 *   makeDeployment('web').replicas(3).obj()
 */
export { FIXTURE_TIME, fixtureUid, ObjectBuilder } from './builder-base.js';
export {
  ConfigMapBuilder,
  EndpointsBuilder,
  EventBuilder,
  LeaseBuilder,
  makeConfigMap,
  makeEndpoints,
  makeEvent,
  makeLease,
  makeNamespace,
  makeSecret,
  makeService,
  NamespaceBuilder,
  SecretBuilder,
  ServiceBuilder,
} from './cluster-builders.js';
export { FIXTURE_IMAGE, makeNode, makePod, NodeBuilder, PodBuilder } from './pod-builders.js';
export {
  DaemonSetBuilder,
  DeploymentBuilder,
  JobBuilder,
  makeDaemonSet,
  makeDeployment,
  makeJob,
  makeReplicaSet,
  ReplicaSetBuilder,
} from './workload-builders.js';
