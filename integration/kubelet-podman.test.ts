/**
 * The runtime contract and the kubelet's pod lifecycle on real Podman containers (the same suites
 * the hollow and process runtimes pass in the unit project).
 */

import { describeRuntimeContract } from '../actors/kubelet/runtimes/contract.js';
import { podmanHarness } from '../actors/kubelet/runtimes/podman/testing.js';
import { describeKubeletLifecycle } from '../actors/kubelet/testing/lifecycle.js';
import { describeWithServices, PODMAN_SOCKET, podmanOrSkip } from './harness.js';

const skip = await podmanOrSkip();

describeWithServices('kubelet on Podman', skip, () => {
  describeRuntimeContract('podman', () => podmanHarness(PODMAN_SOCKET), { waitMs: 30_000 });
  describeKubeletLifecycle('podman', () => podmanHarness(PODMAN_SOCKET), { waitMs: 30_000 });
});
