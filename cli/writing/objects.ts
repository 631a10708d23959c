/**
 * From a manifest object to the request that writes it: its resource type (from `apiVersion` and
 * `kind`, with kubectl's message for a kind the server does not serve) and its namespace (the
 * object's own, else `-n`, else the context's; a clash with an explicit `-n` is kubectl's error).
 */
import { type ResourceType, resourceByKind } from '../../protocol/resources/registry.js';
import type { Manifest, ManifestObject } from '../manifests.js';
import { CommandError } from '../output/errors.js';

/** A manifest ready to send: its type, and the object placed in its namespace. */
export interface Placed {
  readonly source: string;
  readonly type: ResourceType;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly object: ManifestObject;
}

/**
 * Types and places a manifest. `namespace` is the one to use when the object names none;
 * `explicit` is true when it came from `-n` (then an object in another namespace is refused).
 */
export function placeManifest(
  manifest: Manifest,
  namespace: string,
  options: { readonly explicit?: boolean } = {},
): Placed {
  const { object, source } = manifest;
  const name = object.metadata.name ?? '';
  const type = resourceByKind(object.apiVersion, object.kind);
  if (!type) {
    const ns = object.metadata.namespace ?? '';
    throw new CommandError(
      `resource mapping not found for name: "${name}" namespace: "${ns}" from "${source}": no matches for kind "${object.kind}" in version "${object.apiVersion}"\nensure CRDs are installed first`,
    );
  }
  if (!type.namespaced) {
    return { source, type, name, namespace: undefined, object };
  }
  const own = object.metadata.namespace;
  if (own && options.explicit && own !== namespace) {
    throw new CommandError(
      `the namespace from the provided object "${own}" does not match the namespace "${namespace}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  const ns = own || namespace;
  return {
    source,
    type,
    name,
    namespace: ns,
    object: { ...object, metadata: { ...object.metadata, namespace: ns } },
  };
}
