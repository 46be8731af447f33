import type { Diagnostic } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { buildTopology } from '../model/build.js';
import { buildTests, type LabTest } from '../labtest/model.js';
import type { Topology } from '../model/resources.js';
import { loadLabFile, type LabSource } from './load.js';
import { parseYaml } from './parse-yaml.js';
import { validateSchema } from './validate-schema.js';

/**
 * file → Topology: read, parse, validate against the schema, then the semantic checks. Every
 * problem of a stage is reported together; a stage runs only when the previous one was clean,
 * so no error is a consequence of another.
 */
export function loadLab(path: string): LoadedLab {
  return loadLabSource(loadLabFile(path));
}

export interface LoadedLab {
  readonly topology: Topology;
  readonly tests: LabTest[];
  readonly text: string;
  readonly warnings: Diagnostic[];
}

/** The same, for a file already read (and checked) by loadLabFile. */
export function loadLabSource(source: LabSource): LoadedLab {
  const parsed = parseYaml(source);
  const fail = (diags: Diagnostic[]) => {
    throw new InputError(diags, source.text);
  };
  // Non-string keys do not stop schema validation (the data is still well-formed); syntax errors do.
  if (parsed.data === undefined && parsed.diags.length > 0) fail(parsed.diags);
  const { lab, diags } = validateSchema(parsed);
  if (!lab || parsed.diags.length > 0) {
    // A non-string key also fails the schema's name rules: report it once, as what it is.
    const explained = new Set(parsed.diags.map((d) => `${d.pos?.line}:${d.pos?.col}`));
    return fail([...parsed.diags, ...diags.filter((d) => !explained.has(`${d.pos?.line}:${d.pos?.col}`))]);
  }
  const built = buildTopology(lab, parsed.posOf);
  if (!built.topology) return fail(built.diags);
  const checks = buildTests(lab.tests ?? [], built.topology, parsed.posOf);
  if (checks.diags.length > 0) return fail([...built.diags, ...checks.diags]);
  return { topology: built.topology, tests: checks.tests, text: source.text, warnings: built.diags };
}
