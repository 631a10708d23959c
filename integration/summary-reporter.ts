/**
 * Prints the closing line CI reads: `N passed, N failed, N skipped` (tests, not files). The line
 * starts with `N passed, N failed` as it always did; the skip count follows so that a run that
 * skipped suites can be seen for what it is (under `CI=true` the harness fails them instead).
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const visit = (tests: Iterable<TestCase>) => {
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    };
    for (const mod of testModules) {
      visit(mod.children.allTests());
      // A file that failed to load has no tests but is a failure.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
