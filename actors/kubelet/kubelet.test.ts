import { hollowHarness } from './runtimes/hollow/testing.js';
import { processHarness } from './runtimes/process/testing.js';
import { describeKubeletLifecycle } from './testing/lifecycle.js';

// The same pod lifecycle on simulated containers and on host processes (Podman: integration/).
describeKubeletLifecycle('hollow', hollowHarness);
describeKubeletLifecycle('process', processHarness, { mounts: false });
