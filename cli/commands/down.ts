import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { systemClock } from '../../protocol/clock.js';
import { CommandError, printApiError } from '../output/index.js';
import { runningUp } from '../pidfile.js';

/** `skiff down`: stops the `skiff up` running on a data directory, as Ctrl-C in its terminal would. */
export default class Down extends Command {
  static override description =
    'Stop the local cluster that `skiff up` runs (on the same --data-dir), as Ctrl-C in its terminal would';

  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down --data-dir /tmp/lab'];

  static override flags = {
    'data-dir': Flags.string({
      description: 'Directory of the cluster to stop (as given to skiff up)',
      default: join(homedir(), '.skiff', 'data'),
    }),
    timeout: Flags.integer({ description: 'Seconds to wait for it to stop', default: 60 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Down);
    try {
      const pid = runningUp(flags['data-dir']);
      if (pid === undefined) throw new CommandError(`no skiff up is running on ${flags['data-dir']}`);
      // SIGINT: `skiff up` stops every component cleanly and takes its context out of the kubeconfig.
      process.kill(pid, 'SIGINT');
      const deadline = systemClock.now() + flags.timeout * 1000;
      while (runningUp(flags['data-dir']) === pid) {
        if (systemClock.now() > deadline)
          throw new CommandError(`skiff up (pid ${pid}) did not stop within ${flags.timeout} s`);
        await systemClock.sleep(100); // a process's exit has no event to wait on from outside it
      }
      this.log('stopped');
    } catch (err) {
      printApiError(err);
    }
  }
}
