import type { ErrorObject } from 'ajv';
import { error, type Diagnostic } from '../diag/diagnostic.js';
import { suggestion } from '../util/did-you-mean.js';
import { printable } from '../util/printable.js';
import validator from './generated/topology-validator.js';
import type { JsonPath, ParsedYaml } from './parse-yaml.js';
import type { LabFile } from './lab-file.js';

/**
 * Checks the parsed data against schemas/topology.schema.json and maps every ajv error back to
 * the YAML node it is about. Returns the typed file only when there are no errors.
 */
export function validateSchema(parsed: ParsedYaml): { lab?: LabFile; diags: Diagnostic[] } {
  const data = fillEmptyMaps(parsed.data);
  if (data === null || data === undefined || (typeof data === 'object' && Object.keys(data).length === 0)) {
    return {
      diags: [error('EMPTY_LAB', 'the lab file defines nothing', parsed.posOf([]), 'start from examples/seed.yaml; to remove a lab use `topo destroy`')],
    };
  }
  const validate = validator;
  if (validate(data)) return { lab: data as LabFile, diags: [] };
  const diags: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const d = describeError(e, parsed);
    if (!d) continue;
    const key = `${d.pos?.line}:${d.pos?.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      diags.push(d);
    }
  }
  return { diags };
}

/** `ns0:` with nothing after it means "a namespace with defaults", not "null". */
function fillEmptyMaps(data: unknown): unknown {
  if (!isObj(data)) return data;
  const out: Record<string, unknown> = { ...data };
  const fill = (m: unknown, inner?: (v: Record<string, unknown>) => Record<string, unknown>): unknown => {
    if (!isObj(m)) return m;
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v === null ? {} : isObj(v) && inner ? inner(v) : v]));
  };
  if ('nodes' in out) out.nodes = fill(out.nodes, (n) => ('interfaces' in n ? { ...n, interfaces: fill(n.interfaces) } : n));
  if ('bridges' in out) out.bridges = fill(out.bridges);
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function dotted(path: JsonPath): string {
  return path.length === 0 ? 'the lab' : path.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[');
}

const NAME_RULE = 'names use letters, digits, "_", "." and "-", and start with a letter or digit';

function describeError(e: ErrorObject, parsed: ParsedYaml): Diagnostic | undefined {
  const path = pointerToPath(e.instancePath);
  const value = e.data;
  const propName = (e as ErrorObject & { propertyName?: string }).propertyName;
  switch (e.keyword) {
    case 'propertyNames':
    case 'if':
      return undefined; // the inner error carries the detail
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return error(
        'UNKNOWN_KEY',
        `unknown key '${key}' in ${dotted(path)}`,
        parsed.posOf([...path, key], { key: true }),
        suggestion(key, allowed) ?? (allowed.length ? `allowed here: ${allowed.join(', ')}` : undefined),
      );
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return error('MISSING_KEY', `${dotted(path)} needs '${missing}'`, parsed.posOf(path), missing === 'lab' ? 'add a line such as `lab: mylab`' : undefined);
    }
    case 'type': {
      const want = String((e.params as { type: string | string[] }).type).replace(',', ' or ');
      const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
      const quote = want.includes('string') && (typeof value === 'number' || typeof value === 'boolean' || value === null);
      const noun = want === 'object' ? 'a mapping' : want === 'array' ? 'a list' : `${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want}`;
      return error('WRONG_TYPE', `${dotted(path)} must be ${noun}, not ${got}`, parsed.posOf(path), quote ? `YAML read it as ${got}; quote it if you mean the text: "${String(value)}"` : undefined);
    }
    case 'pattern':
    case 'maxLength': {
      const where = e.schemaPath;
      if (propName !== undefined) {
        const pos = parsed.posOf([...path, propName], { key: true });
        if (where.includes('ifName') && e.keyword === 'maxLength') {
          return error('NAME_TOO_LONG', `interface name '${propName}' is ${Buffer.byteLength(propName)} bytes; Linux allows at most 15`, pos, 'shorten it: the kernel would refuse it (IFNAMSIZ)');
        }
        if (where.includes('sysctls') || /sysctls$/.test(String(path[path.length - 1]))) {
          return error('BAD_SYSCTL', `sysctl key '${propName}' is not a net.* key in dot form`, pos, 'e.g. net.ipv4.ip_forward; keys of interfaces with dots in their name are not supported');
        }
        if (e.keyword === 'maxLength') return error('NAME_TOO_LONG', `name '${propName}' is longer than 64 characters`, pos);
        return error('BAD_NAME', `invalid name '${printable(propName)}'`, pos, NAME_RULE);
      }
      const pos = parsed.posOf(path);
      if (where.includes('mac')) return error('BAD_MAC', `invalid MAC address '${String(value)}'`, pos, 'write six hex pairs, e.g. 02:00:00:00:00:01');
      if (where.includes('endpoints')) return error('BAD_ENDPOINT', `endpoint '${String(value)}' is not <node>:<ifname>`, pos, 'e.g. ns0:eth0, br0:veth0 or host:veth0');
      if (e.keyword === 'maxLength') {
        return where.includes('ifName')
          ? error('NAME_TOO_LONG', `interface name '${String(value)}' is ${Buffer.byteLength(String(value))} bytes; Linux allows at most 15`, pos)
          : error('NAME_TOO_LONG', `name '${String(value)}' is longer than 64 characters`, pos);
      }
      return error('BAD_NAME', `invalid name '${printable(String(value))}' for ${dotted(path)}`, pos, NAME_RULE);
    }
    case 'minimum':
    case 'maximum': {
      const s = e.parentSchema as { minimum?: number; maximum?: number };
      return error('OUT_OF_RANGE', `${dotted(path)} is ${String(value)}; it must be between ${s.minimum} and ${s.maximum}`, parsed.posOf(path));
    }
    case 'minItems':
    case 'maxItems':
      return error('BAD_ENDPOINTS', 'a link needs exactly two endpoints', parsed.posOf(path), 'endpoints: [ns0:eth0, ns1:eth0]');
    default:
      return error('SCHEMA', `${dotted(path)} ${e.message ?? 'is invalid'}`, parsed.posOf(path));
  }
}
