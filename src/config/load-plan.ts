import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import { error } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import type { SavedPlan } from '../plan/saved.js';
import type { Change } from '../plan/types.js';

let validate: ReturnType<InstanceType<typeof AjvModule.default>['compile']> | undefined;
/**
 * The compiled schema of topo's JSON output (schemas/plan.schema.json). ajv is loaded only here,
 * on first use (saved plans are rare): loading it costs every command ~30 ms.
 */
export function planSchemaValidator() {
  if (!validate) {
    const Ajv = (createRequire(import.meta.url)('ajv') as typeof AjvModule).default;
    validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8')) as object);
  }
  return validate;
}

/**
 * A saved plan (`topo plan --out FILE`), when `text` is one; undefined when it is something else
 * (a lab file). A file that claims to be a plan but does not match the schema is an error.
 */
export function parseSavedPlan(path: string, text: string): SavedPlan | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || (doc as { type?: unknown }).type !== 'plan') return undefined;
  const v = planSchemaValidator();
  if (!v(doc)) {
    const e = v.errors?.[0];
    throw new InputError([error('BAD_PLAN_FILE', `${path} is not a valid saved plan: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim(), undefined, 'make it again with `topo plan --out FILE`')]);
  }
  const d = doc as {
    format_version: number;
    lab: string;
    mode: 'apply' | 'destroy';
    changes: { address: string; kind: Change['kind']; action: Change['action']; reason: string | null; implied_by: string | null; before: Change['before'] | null; after: Change['after'] | null; attributes: { path: string; before: unknown; after: unknown }[] }[];
    steps: { address: string; phase: 'destroy' | 'create' }[];
    origin: { lab_file: string | null; lab_sha256: string | null; state_sha256: string };
  };
  return {
    lab: d.lab,
    mode: d.mode,
    changes: d.changes.map((c) => ({
      id: c.address,
      kind: c.kind,
      action: c.action,
      ...(c.before ? { before: c.before } : {}),
      ...(c.after ? { after: c.after } : {}),
      ...(c.reason !== null ? { reason: c.reason } : {}),
      ...(c.attributes.length ? { attrs: c.attributes } : {}),
      ...(c.implied_by !== null ? { impliedBy: c.implied_by } : {}),
    })),
    steps: d.steps.map((s) => ({ id: s.address, phase: s.phase })),
    origin: {
      ...(d.origin.lab_file !== null ? { labFile: d.origin.lab_file } : {}),
      ...(d.origin.lab_sha256 !== null ? { labSha256: d.origin.lab_sha256 } : {}),
      stateSha256: d.origin.state_sha256,
    },
  };
}
