import { describe, expect, it } from 'vitest';
import { ImagePullError, RuntimeError, RuntimeObjectNotFoundError } from '../../../../protocol/errors.js';
import {
  encodeFilters,
  errorFromResponse,
  labelFilter,
  libpodPath,
  parseErrorBody,
} from './libpod-request.js';

describe('libpodPath', () => {
  it.each([
    ['/_ping', {}, '/v4.0.0/libpod/_ping'],
    ['/containers/abc/stop', { timeout: 3 }, '/v4.0.0/libpod/containers/abc/stop?timeout=3'],
    ['/containers/json', { all: true, filters: undefined }, '/v4.0.0/libpod/containers/json?all=true'],
    [
      '/containers/abc/wait',
      { condition: ['stopped', 'exited'] },
      '/v4.0.0/libpod/containers/abc/wait?condition=stopped&condition=exited',
    ],
    [
      '/containers/json',
      { filters: '{"label":["io.skiff.managed=true"]}' },
      '/v4.0.0/libpod/containers/json?filters=%7B%22label%22%3A%5B%22io.skiff.managed%3Dtrue%22%5D%7D',
    ],
  ] as const)('%s %j', (path, query, expected) => {
    expect(libpodPath(path, query)).toBe(expected);
  });

  it('takes another API version', () => {
    expect(libpodPath('/info', {}, '5.0.0')).toBe('/v5.0.0/libpod/info');
  });
});

describe('filters', () => {
  it('encodes label filters as libpod wants them, leaving out empty keys', () => {
    const label = labelFilter({ 'io.skiff.managed': 'true', 'io.skiff.container.name': true });
    expect(label).toEqual(['io.skiff.managed=true', 'io.skiff.container.name']);
    expect(encodeFilters({ label, event: [] })).toBe(
      '{"label":["io.skiff.managed=true","io.skiff.container.name"]}',
    );
    expect(encodeFilters({})).toBeUndefined();
  });
});

describe('errorFromResponse', () => {
  it('maps 404 on a known object to RuntimeObjectNotFoundError', () => {
    const body = parseErrorBody(
      '{"cause":"no such container","message":"no container with name or ID \\"x\\" found","response":404}',
    );
    const err = errorFromResponse('GET /containers/x/json', 404, body, { kind: 'container', id: 'x' });
    expect(err).toBeInstanceOf(RuntimeObjectNotFoundError);
    expect(err).toMatchObject({ kind: 'container', id: 'x' });
  });

  it('maps a missing image on create (500 "image not known" in Podman 4.3) to ImagePullError', () => {
    const body = parseErrorBody(
      '{"cause":"image not known","message":"nosuch:1: image not known","response":500}',
    );
    const err = errorFromResponse('POST /containers/create', 500, body, {
      kind: 'sandbox',
      id: 'p',
      image: 'nosuch:1',
    });
    expect(err).toBeInstanceOf(ImagePullError);
    expect(err.message).toContain('nosuch:1');
  });

  it("keeps libpod's message and cause for anything else", () => {
    const body = parseErrorBody(
      '{"cause":"container state improper","message":"can only kill running containers","response":409}',
    );
    const err = errorFromResponse('POST /containers/x/kill', 409, body, { kind: 'container', id: 'x' });
    expect(err).toBeInstanceOf(RuntimeError);
    expect(err).not.toBeInstanceOf(RuntimeObjectNotFoundError);
    expect(err.message).toBe('podman: POST /containers/x/kill: can only kill running containers (HTTP 409)');
    expect(err.cause).toBe('container state improper');
  });

  it('takes a body that is not libpod JSON as the message', () => {
    expect(parseErrorBody('Bad Gateway\n')).toEqual({ message: 'Bad Gateway' });
    expect(errorFromResponse('GET /info', 502, parseErrorBody('')).message).toBe(
      'podman: GET /info: HTTP 502',
    );
  });
});
