import type { Diagnostic } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';
import { buildTopology } from '../model/build.js';
import type { Topology } from '../model/resources.js';
import { loadLabFile } from './load.js';
import { parseYaml } from './parse-yaml.js';
import { validateSchema } from './validate-schema.js';

/**
 * file → Topology: read, parse, validate against the schema, then the semantic checks. Every
 * problem of a stage is reported together; a stage runs only when the previous one was clean,
 * so no error is a consequence of another.
 */
export function loadLab(path: string): { topology: Topology; text: string; warnings: Diagnostic[] } {
  const source = loadLabFile(path);
  const parsed = parseYaml(source);
  const fail = (diags: Diagnostic[]) => {
    throw new InputError(diags, source.text);
  };
  if (parsed.diags.length > 0) fail(parsed.diags);
  const { lab, diags } = validateSchema(parsed);
  if (!lab) return fail(diags);
  const built = buildTopology(lab, parsed.posOf);
  if (!built.topology) return fail(built.diags);
  return { topology: built.topology, text: source.text, warnings: built.diags };
}
