import { Command, Flags } from '@oclif/core';
import { rolloutStatus } from '../../../protocol/client/rollout.js';
import type { Deployment } from '../../../protocol/resources/deployment.js';
import { connectionFlags } from '../../client.js';
import { CommandError } from '../../output/errors.js';
import { deploymentName } from '../../writing/rollout.js';
import { parseDuration, sleep, withConnection } from '../../writing/run.js';

/**
 * `skiff rollout status deploy/NAME`: prints kubectl's progress lines as the rollout moves on,
 * until `successfully rolled out` (exit 0); a passed progress deadline or `--timeout` is exit 1.
 */
export default class RolloutStatus extends Command {
  static override description = `Show the status of the rollout

Watches the Deployment until its rollout is done, printing a line each time its progress
changes. Exits 1 when the progress deadline passes or --timeout runs out, so scripts can gate on it.`;

  static override examples = [
    '<%= config.bin %> rollout status deployment/web',
    '<%= config.bin %> rollout status deploy web --timeout=2m',
    '<%= config.bin %> rollout status deploy/web -w=false',
  ];

  static override strict = false;

  static override flags = {
    ...connectionFlags,
    watch: Flags.string({
      char: 'w',
      description: 'Watch until the rollout is done (true|false)',
      default: 'true',
    }),
    timeout: Flags.string({ description: 'How long to wait (e.g. 2m; 0: no limit)', default: '0s' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RolloutStatus);
    await withConnection(flags, async (conn) => {
      const name = deploymentName(argv as string[], 'status');
      const timeoutMs = parseDuration(flags.timeout);
      const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
      let last = '';
      // Polling the one object is as fresh as a watch here and survives server restarts unaided.
      for (;;) {
        const d = await conn.client.get<Deployment>('deployments', conn.namespace, name);
        const report = rolloutStatus(d);
        if (report.failed) throw new CommandError(report.message);
        if (report.message !== last) process.stdout.write(`${report.message}\n`);
        last = report.message;
        if (report.done || flags.watch === 'false') return;
        if (Date.now() >= deadline) throw new CommandError('timed out waiting for the condition');
        await sleep(250);
      }
    });
  }
}
