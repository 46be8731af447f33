import { readFileSync, statSync } from 'node:fs';
import { error } from '../diag/diagnostic.js';
import { InputError } from '../diag/errors.js';

/** Files above this are refused before parsing: yaml took 9 s and 1 GB on a 10 MB file (kernel-facts 2.18). */
export const MAX_FILE_BYTES = 1024 * 1024;

export interface LabSource {
  readonly path: string;
  readonly text: string;
}

/** Reads a lab file, refusing what cannot be a sane lab: too big, not UTF-8, binary. */
export function loadLabFile(path: string): LabSource {
  const fail = (code: string, message: string, hint?: string): never => {
    throw new InputError([error(code, message, { file: path, line: 1, col: 1 }, hint)]);
  };
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) fail('NOT_A_FILE', `${path} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError([
      error(
        'FILE_NOT_FOUND',
        code === 'ENOENT' ? `no lab file at ${path}` : `cannot read ${path}: ${code ?? String(e)}`,
        undefined,
        code === 'ENOENT' ? 'pass the lab file as an argument, e.g. `topo plan examples/seed.yaml`; the default is ./lab.yaml' : undefined,
      ),
    ]);
  }
  if (size > MAX_FILE_BYTES) fail('FILE_TOO_LARGE', `lab file is ${size} bytes; the limit is ${MAX_FILE_BYTES}`, 'split the lab or generate a smaller file');
  const bytes = readFileSync(path);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    fail('BAD_ENCODING', 'lab file is UTF-16; it must be UTF-8', 're-save the file as UTF-8');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('BAD_ENCODING', 'lab file is not valid UTF-8', 're-save the file as UTF-8');
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = text.slice(0, nul).split('\n').length;
    throw new InputError([error('BAD_ENCODING', 'lab file contains a NUL byte', { file: path, line, col: nul - text.lastIndexOf('\n', nul - 1) })]);
  }
  return { path, text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}
