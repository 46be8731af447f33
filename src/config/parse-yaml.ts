import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Node } from 'yaml';
import { error, type Diagnostic, type SourcePos } from '../diag/diagnostic.js';
import type { LabSource } from './load.js';

export type JsonPath = readonly (string | number)[];

/** A parsed lab file: the plain data plus a way back from any JSON path to `file:line:col`. */
export interface ParsedYaml {
  readonly source: LabSource;
  readonly data: unknown;
  readonly diags: Diagnostic[];
  /** Position of the value at `path`, or of its key with `key: true`; falls back to the nearest ancestor. */
  posOf(path: JsonPath, opts?: { key?: boolean }): SourcePos;
}

/** yaml's default (100) is also what it uses to stop billion-laughs files; we keep it. */
const MAX_ALIASES = 100;

/**
 * Parses with the YAML 1.2 core schema (so `no` stays a string and `0777` is 777, not 511) and
 * collects every syntax problem with its position. Warnings (unknown tags such as `!!js/function`)
 * are errors here: a lab file has no use for them.
 */
export function parseYaml(source: LabSource): ParsedYaml {
  const lc = new LineCounter();
  const diags: Diagnostic[] = [];
  const at = (offset: number): SourcePos => {
    const p = lc.linePos(offset);
    return { file: source.path, line: p.line, col: p.col };
  };
  let docs: Document.Parsed[] = [];
  try {
    docs = parseAllDocuments(source.text, {
      lineCounter: lc,
      uniqueKeys: true,
      prettyErrors: false,
      schema: 'core',
      strict: true,
    }) as Document.Parsed[];
  } catch (e) {
    if (e instanceof RangeError) {
      diags.push(error('TOO_DEEP', 'the file nests too deeply to be a lab file', at(0)));
      return { source, data: undefined, diags, posOf: () => at(0) };
    }
    throw e;
  }
  if (!Array.isArray(docs)) docs = [docs];
  const doc = docs[0];
  for (const extra of docs.slice(1)) {
    diags.push(error('MULTIPLE_DOCUMENTS', 'the file holds more than one YAML document', at(extra.range[0]), 'keep one lab per file'));
  }
  const posOf = (path: JsonPath, opts?: { key?: boolean }): SourcePos => {
    const node = doc ? locate(doc, path, opts?.key ?? false) : undefined;
    return at(node?.range?.[0] ?? 0);
  };
  if (!doc) return { source, data: undefined, diags, posOf };
  // A broken file can repeat one error hundreds of times: keep each (code, place) once.
  const seen = new Set<string>();
  for (const e of [...doc.errors, ...doc.warnings]) {
    const key = `${e.code}:${e.pos[0]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diags.push(error(`YAML_${e.code}`, firstLine(e.message), at(e.pos[0])));
  }
  if (diags.length > 0) return { source, data: undefined, diags, posOf };

  // Names are map keys. The core schema turns `1e3:` into 1000 and `~:` into null, and toJS()
  // would then silently stringify them: catch them while the original text is still known.
  visit(doc, {
    Pair(_, pair) {
      const k = pair.key;
      if (isScalar(k) && typeof k.value !== 'string') {
        const text = k.source ?? String(k.value);
        diags.push(
          error('NOT_A_STRING', `key ${text} is read as a ${k.value === null ? 'null' : typeof k.value}, not a name`, at(k.range?.[0] ?? 0), `quote it: "${text}"`),
        );
      } else if (k !== null && !isScalar(k)) {
        diags.push(error('NOT_A_STRING', 'a key must be a plain name, not a collection', at((k as Node).range?.[0] ?? 0)));
      }
    },
  });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    if (e instanceof ReferenceError) {
      diags.push(error('TOO_MANY_ALIASES', `the file expands more than ${MAX_ALIASES} aliases`, at(0), 'write the values out; alias bombs are refused'));
    } else if (e instanceof RangeError) {
      diags.push(error('TOO_DEEP', 'the file nests too deeply to be a lab file', at(0)));
    } else throw e;
  }
  return { source, data, diags, posOf };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Walks a JSON path through the YAML AST, stopping at the deepest node that exists. */
function locate(doc: Document, path: JsonPath, wantKey: boolean): Node | undefined {
  let cur: unknown = doc.contents;
  let last: Node | undefined = doc.contents ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return last;
      const keyNode = pair.key as Node;
      if (i === path.length - 1 && wantKey) return keyNode;
      cur = pair.value;
      last = (pair.value as Node | null)?.range ? (pair.value as Node) : keyNode;
    } else if (isSeq(cur) && typeof seg === 'number') {
      const item = cur.items[seg];
      if (!item) return last;
      cur = item;
      last = item as Node;
    } else {
      return last;
    }
  }
  return last;
}
