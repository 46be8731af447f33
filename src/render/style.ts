/** Colour at the edge: renderers call these, and only this module decides whether ANSI is emitted. */
export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly red: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export const plain: Style = { bold: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s, red: (s) => s, cyan: (s) => s };
export const ansi: Style = { bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), yellow: wrap(33, 39), red: wrap(31, 39), cyan: wrap(36, 39) };

/** Colour only on a TTY, and never under --no-color or NO_COLOR (https://no-color.org). */
export function chooseStyle(stream: { isTTY?: boolean }, noColorFlag: boolean, env: NodeJS.ProcessEnv = process.env): Style {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || !stream.isTTY) return plain;
  return ansi;
}
