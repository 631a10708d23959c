/**
 * Name, label and annotation rules, ported from Kubernetes' `apimachinery/pkg/util/validation`
 * with the same messages word for word (including the double space Kubernetes prints between
 * examples), so that a user who knows `kubectl` recognises every error.
 *
 * The `is*` functions return the list of problems with a value (empty when valid), exactly like
 * their Go counterparts; the `validate*` functions turn those into FieldErrors at a path.
 */
import { type FieldError, invalidValue, tooLong } from './field-errors.js';

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const PERCENT_FMT = '[0-9]+%';

const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const QUALIFIED_NAME = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const CONFIG_MAP_KEY = new RegExp(`^${CONFIG_MAP_KEY_FMT}$`);
const ENV_VAR_NAME = new RegExp(`^${ENV_VAR_NAME_FMT}$`);
const PERCENT = new RegExp(`^${PERCENT_FMT}$`);
const PORT_NAME_CHARSET = /^[-a-z0-9]+$/;
const PORT_NAME_ONE_LETTER = /[a-z]/;

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const QUALIFIED_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
/** Kubernetes' `TotalAnnotationSizeLimitB`: keys plus values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Kubernetes' `MaxLenError`. */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** Kubernetes' `RegexError`: the message, the examples and the regex, in Kubernetes' exact wording. */
export function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  // Kubernetes appends "', " after each example and " or " before the next: hence the double space.
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}

/** Kubernetes' `EmptyError`. */
export function emptyError(): string {
  return 'must be non-empty';
}

// Byte length, as Go's len(): the limits are in bytes, and names are ASCII when they are valid.
function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Problems with a DNS-1123 label (`my-name`): lower case, ≤ 63 characters, no dots. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL.test(value)) {
    // A valid subdomain that is not a valid label (length already checked) can only be wrong by its dots.
    if (DNS1123_SUBDOMAIN.test(value)) errs.push('must not contain dots');
    else
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FMT,
          'my-name',
          '123-abc',
        ),
      );
  }
  return errs;
}

/** Problems with a DNS-1123 subdomain (`example.com`): dot-separated labels, ≤ 253 characters. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  }
  return errs;
}

/** Problems with a DNS-1035 label (`my-name`): like a DNS-1123 label, but starting with a letter. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

const QUALIFIED_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Problems with a qualified name (`example.com/MyName`): label keys, finalizers, annotation keys. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    errs.push(
      `a qualified name ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    return errs;
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH)
    errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!QUALIFIED_NAME.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

/** Problems with a label value: empty, or ≤ 63 alphanumerics with `-_.` inside. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** Problems with a ConfigMap key (`[-._a-zA-Z0-9]+`, and not `.`, `..` or `..x`). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!CONFIG_MAP_KEY.test(value)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        CONFIG_MAP_KEY_FMT,
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  // Keys become file names in a volume: these would escape or shadow the directory.
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Problems with a named port (IANA_SVC_NAME): ≤ 15 of `[-a-z0-9]`, at least one letter. */
export function isValidPortName(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 15) errs.push(maxLenError(15));
  if (!PORT_NAME_CHARSET.test(value))
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!PORT_NAME_ONE_LETTER.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** Problems with an environment variable name. */
export function isEnvVarName(value: string): string[] {
  if (ENV_VAR_NAME.test(value)) return [];
  return [
    regexError(
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
      ENV_VAR_NAME_FMT,
      'my.env-name',
      'MY_ENV.NAME',
      'MyEnvName1',
    ),
  ];
}

/** Problems with a percent string (`25%`), as used by maxSurge and maxUnavailable. */
export function isValidPercent(value: string): string[] {
  if (PERCENT.test(value)) return [];
  return [
    regexError(
      "a valid percent string must be a numeric string followed by an ending '%'",
      PERCENT_FMT,
      '1%',
      '93%',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Object names.

/** How a kind's `metadata.name` is checked (Kubernetes' `ValidateNameFunc`, per kind). */
export type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label';

const NAME_RULES: Readonly<Record<NameRule, (value: string) => string[]>> = {
  'dns1123-subdomain': isDNS1123Subdomain,
  'dns1123-label': isDNS1123Label,
  'dns1035-label': isDNS1035Label,
};

/**
 * Problems with an object name under `rule`; with `prefix`, the value is a `generateName` and one
 * trailing dash is allowed, since a random suffix will follow it.
 */
export function validateName(rule: NameRule, value: string, options: { prefix?: boolean } = {}): string[] {
  const checked = options.prefix ? maskTrailingDash(value) : value;
  return NAME_RULES[rule](checked);
}

/** Kubernetes' `maskTrailingDash`: `web-` is checked as `web`, `-` stays `-`. */
export function maskTrailingDash(value: string): string {
  return value.length > 1 && value.endsWith('-') ? value.slice(0, -1) : value;
}

// Kubernetes' SimpleNameGenerator: no vowels (no accidental words) and no 0/1/3 (lookalikes).
const GENERATED_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATED_SUFFIX_LENGTH = 5;
const MAX_GENERATED_BASE_LENGTH = 63 - GENERATED_SUFFIX_LENGTH;

/**
 * The name for an object created with `generateName: base`: the base cut to 58 characters and five
 * random characters, as Kubernetes does. `random` returns a number in [0, 1) and is injected so
 * tests are deterministic.
 */
export function generateName(base: string, random: () => number = Math.random): string {
  let suffix = '';
  for (let i = 0; i < GENERATED_SUFFIX_LENGTH; i++) {
    const index = Math.min(GENERATED_ALPHABET.length - 1, Math.floor(random() * GENERATED_ALPHABET.length));
    suffix += GENERATED_ALPHABET[index];
  }
  return `${base.slice(0, MAX_GENERATED_BASE_LENGTH)}${suffix}`;
}

// ---------------------------------------------------------------------------------------------
// Labels, annotations and finalizers as FieldErrors.

/** Each problem with a label key, reported on `path` like Kubernetes' `ValidateLabelName`. */
export function validateLabelName(key: string, path: string): FieldError[] {
  return isQualifiedName(key).map((msg) => invalidValue(path, key, msg));
}

/**
 * Each problem with a label map. Kubernetes reports them all on the map's own path
 * (`metadata.labels: Invalid value: "Bad Key": ...`), naming the bad key or value in the message.
 */
export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  path: string,
): FieldError[] {
  if (labels === undefined) return [];
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    errors.push(...validateLabelName(key, path));
    for (const msg of isValidLabelValue(value)) errors.push(invalidValue(path, value, msg));
  }
  return errors;
}

/** Each problem with an annotation map: keys are case-insensitive qualified names, total ≤ 256 KiB. */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  path: string,
): FieldError[] {
  if (annotations === undefined) return [];
  const errors: FieldError[] = [];
  let totalSize = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase())) errors.push(invalidValue(path, key, msg));
    totalSize += byteLength(key) + byteLength(value);
  }
  if (totalSize > TOTAL_ANNOTATION_SIZE_LIMIT) errors.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errors;
}

/** Finalizers a name without a domain prefix may use (Kubernetes' standard finalizers). */
export const STANDARD_FINALIZERS: readonly string[] = ['kubernetes', 'orphan', 'foregroundDeletion'];

/** Each problem with a finalizer name: a qualified name, and fully qualified unless standard. */
export function validateFinalizerName(value: string, path: string): FieldError[] {
  const errors = isQualifiedName(value).map((msg) => invalidValue(path, value, msg));
  if (errors.length === 0 && !value.includes('/') && !STANDARD_FINALIZERS.includes(value)) {
    errors.push(
      invalidValue(path, value, 'name is neither a standard finalizer name nor is it fully qualified'),
    );
  }
  return errors;
}
