/**
 * Reading request bodies: refused past the size limit before they are read in full (a client
 * announcing a larger Content-Length is refused without reading a byte), and decoded by
 * Content-Type (JSON; YAML, as Kubernetes also accepts; Kubernetes protobuf, as kubectl's
 * imperative commands send it, through `protobuf.ts`). `+yaml` bodies
 * (server-side apply) are read so that the PATCH mapping can refuse them with the patch types.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, BodyTooLargeError, badRequest } from '../../../protocol/errors.js';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf.js';

/** Reads the whole body, throwing BodyTooLargeError as soon as it is known to exceed `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.byteLength;
    // Stop at the first chunk past the limit: the rest is never buffered.
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a body as JSON (any `+json` type) or YAML; an empty body is undefined. */
export function decodeBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.byteLength === 0) return undefined;
  const type = mediaType(contentType);
  if (type === PROTOBUF_MEDIA_TYPE) return decodeKubernetesProtobuf(bytes);
  const text = bytes.toString('utf8');
  if (type === 'application/yaml' || type === 'application/x-yaml' || type.endsWith('+yaml')) {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw badRequest(`the request body is not valid YAML: ${(err as Error).message}`);
    }
  }
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}
