import { describe, expect, it } from 'vitest';
import { type ApiError, alreadyExists, invalid, notFound, unavailable } from '../../protocol/errors.js';
import { type ResourceType, resourceByPlural } from '../../protocol/resources/registry.js';
import { invalidValue, required } from '../../protocol/validation/field-errors.js';
import { CommandError } from '../output/errors.js';
import {
  deletedLine,
  failureText,
  isTransportFailure,
  parseDryRun,
  refLine,
  withSource,
} from './messages.js';

const type = (plural: string) => resourceByPlural(plural) as ResourceType;

describe('success lines', () => {
  it.each([
    [refLine(type('deployments'), 'web', 'created'), 'deployment.apps/web created'],
    [refLine(type('pods'), 'web', 'configured'), 'pod/web configured'],
    [refLine(type('services'), 'web', 'unchanged'), 'service/web unchanged'],
    [refLine(type('jobs'), 'j', 'created', 'client'), 'job.batch/j created (dry run)'],
    [
      refLine(type('deployments'), 'web', 'created', 'server'),
      'deployment.apps/web created (server dry run)',
    ],
    [refLine(type('nodes'), 'n1', 'cordoned'), 'node/n1 cordoned'],
    [deletedLine(type('pods'), 'web'), 'pod "web" deleted'],
    [deletedLine(type('deployments'), 'web'), 'deployment.apps "web" deleted'],
    [deletedLine(type('deployments'), 'web', 'server'), 'deployment.apps "web" deleted (server dry run)'],
  ])('%s', (line, expected) => {
    expect(line).toBe(expected);
  });
});

describe('parseDryRun', () => {
  it.each([
    [undefined, 'none'],
    ['none', 'none'],
    ['client', 'client'],
    ['server', 'server'],
  ] as const)('%s is %s', (value, expected) => {
    expect(parseDryRun(value)).toBe(expected);
  });
  it("refuses anything else in kubectl's words", () => {
    expect(() => parseDryRun('bogus')).toThrow(
      'Invalid dry-run value (bogus). Must be "none", "server", or "client".',
    );
  });
});

describe('failureText (kubectl CheckErr)', () => {
  const bad = invalid('Deployment', 'web', [
    invalidValue('spec.replicas', -1, 'must be greater than or equal to 0'),
    required('spec.template.spec.containers[0].image'),
  ]);
  it.each([
    [
      'one Invalid error lists every bad field with its path',
      [withSource('creating', 'web.yaml', bad)],
      'The Deployment "web" is invalid:\n* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n* spec.template.spec.containers[0].image: Required value',
    ],
    [
      'one Invalid error with one field is one line',
      [invalid('Pod', 'p', [required('spec.containers')])],
      'The Pod "p" is invalid: spec.containers: Required value',
    ],
    [
      'AlreadyExists, naming the file',
      [withSource('creating', 'web.yaml', alreadyExists('deployments', 'web'))],
      'Error from server (AlreadyExists): error when creating "web.yaml": deployments "web" already exists',
    ],
    [
      'several errors: one Error from server line each',
      [withSource('creating', 'a.yaml', bad), notFound('pods', 'x')],
      'Error from server (Invalid): error when creating "a.yaml": Deployment "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]\nError from server (NotFound): pods "x" not found',
    ],
    [
      "the CLI's own errors",
      [new CommandError('the path "x" does not exist')],
      'error: the path "x" does not exist',
    ],
  ])('%s', (_what, errors, expected) => {
    expect(failureText(errors)).toBe(expected);
  });

  it('keeps the reason of a sourced error', () => {
    const wrapped = withSource('patching', 'f.yaml', notFound('pods', 'x')) as ApiError;
    expect(wrapped.reason).toBe('NotFound');
    expect(wrapped.message).toBe('error when patching "f.yaml": pods "x" not found');
  });
});

describe('transport failures', () => {
  const refused = unavailable('the API server at http://127.0.0.1:1 refused the connection');
  it.each([
    ['a refused connection', refused, true],
    ['an unreachable server', unavailable('cannot reach the API server at http://h:1: ENOTFOUND'), true],
    ["the server's own 503", unavailable('the store is down'), false],
    ['a NotFound', notFound('pods', 'x'), false],
  ])('%s: %s', (_what, err, expected) => {
    expect(isTransportFailure(err)).toBe(expected);
  });
  it("are kubectl's connection line, not tied to the file", () => {
    expect(failureText([withSource('creating', 'f.yaml', refused)])).toBe(
      'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?',
    );
  });
});
