import { describe, expect, it } from 'vitest';
import { alignTabs, DESCRIBE_TABS, TABLE_TABS } from './tabwriter.js';

describe('alignTabs (Go text/tabwriter as kubectl configures it)', () => {
  it.each([
    [
      'pads every cell but the last to the widest cell plus 3',
      'NAME\tAGE\nweb-1\t5s',
      'NAME    AGE\nweb-1   5s',
    ],
    ['keeps a minimum width of 6', 'A\tB\nx\ty', 'A     B\nx     y'],
    ['never pads the text after the last tab', 'a\tb\n', 'a     b\n'],
    [
      'restarts alignment after a line without tabs',
      'NAME\tX\nlong-long-name\t1\n\nN\tY\nb\t2',
      'NAME             X\nlong-long-name   1\n\nN     Y\nb     2',
    ],
  ])('%s', (_, input, expected) => {
    expect(alignTabs(input, TABLE_TABS)).toBe(expected);
  });

  it('aligns nested blocks as describe does (padding 2, no minimum)', () => {
    const text = [
      'Name:\tweb',
      'Containers:',
      '  main:',
      '    Image:\tbusybox',
      '    Restart Count:\t0',
      'Volumes:\t<none>',
    ].join('\n');
    expect(alignTabs(text, DESCRIBE_TABS)).toBe(
      [
        'Name:  web',
        'Containers:',
        '  main:',
        '    Image:          busybox',
        '    Restart Count:  0',
        'Volumes:            <none>',
      ].join('\n'),
    );
  });

  it('remembers widths across calls when asked (rows printed one by one)', () => {
    const widths: number[] = [];
    expect(alignTabs('NAME\tAGE', TABLE_TABS, widths)).toBe('NAME\tAGE'.replace('\t', '   '));
    expect(alignTabs('a\t1s', TABLE_TABS, widths)).toBe('a      1s');
  });
});
