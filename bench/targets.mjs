// Issue #5's targets, checked against one bench run's medians, so that every run says itself
// which targets it met instead of leaving the reader to hold six ratios against the issue.
// Pure: rows in (as bench/run.mjs makes them), lines out.

/** The size the per-lab targets name ("the 200-node star, chain and mesh"). */
export const AT = 200;
/** The sizes the scaling target compares. */
export const SMALL = 50;
export const LARGE = 500;

/** A target over several labs (rows, or shape pairs): each one's ratio, and those whose ratio fails `ok`. */
function across(labs, ratio, ok) {
  const measured = labs.map((r) => `${r.kind} ${ratio(r).toFixed(2)}×`).join(', ');
  const missed = labs.filter((r) => !ok(ratio(r))).map((r) => r.kind);
  return { measured, met: missed.length === 0, missed };
}

/**
 * Each target with what this run measured for it: `met` is true or false, or undefined where
 * the run did not measure it (with `why`). Ratios are compared unrounded.
 */
export function checkTargets(rows) {
  const at = rows.filter((r) => r.n === AT);
  const need = `not measured: needs --sizes ${AT}`;
  const perLab = (target, ratio, ok) => (at.length === 0 ? { target, why: need } : { target, ...across(at, ratio, ok) });
  const out = [
    perLab(`apply ≤ 1.5× the best script (N = ${AT})`, (r) => r.apply / r.bApply, (x) => x <= 1.5),
    perLab(`apply ≥ 4× faster than one \`ip\` per operation (N = ${AT})`, (r) => r.perOp / r.apply, (x) => x >= 4),
    perLab(`no-op plan ≤ 1.3× the script's read (N = ${AT})`, (r) => r.plan / r.bRead, (x) => x <= 1.3),
    perLab(`destroy ≤ 1.5× the best script, teardown included (N = ${AT})`, (r) => r.destroy / r.bDestroy, (x) => x <= 1.5),
  ];

  const star = at.find((r) => r.kind === 'star');
  const mn = `Mininet: ≥ 5× faster up, ≥ 10× faster down (star, N = ${AT})`;
  if (!star) out.push({ target: mn, why: `not measured: needs --sizes ${AT} and the star` });
  // The bench times Mininet on every star where it is installed, and nowhere else.
  else if (star.mnUp === undefined) out.push({ target: mn, why: 'not measured: Mininet not installed' });
  else {
    const up = star.mnUp / star.apply;
    const down = star.mnDown / star.destroy;
    const missed = [...(up >= 5 ? [] : ['up']), ...(down >= 10 ? [] : ['down'])];
    out.push({ target: mn, measured: `up ${up.toFixed(2)}×, down ${down.toFixed(2)}×`, met: missed.length === 0, missed });
  }

  // Time per node of apply, at LARGE against SMALL, for each shape measured at both.
  const pairs = [...new Set(rows.map((r) => r.kind))].flatMap((kind) => {
    const s = rows.find((r) => r.kind === kind && r.n === SMALL);
    const l = rows.find((r) => r.kind === kind && r.n === LARGE);
    return s && l ? [{ kind, s, l }] : [];
  });
  const scaling = `time per node at N = ${LARGE} ≤ 1.2× that at N = ${SMALL} (apply)`;
  if (pairs.length === 0) out.push({ target: scaling, why: `not measured: needs --sizes ${SMALL},${LARGE}` });
  else out.push({ target: scaling, ...across(pairs, (p) => p.l.apply / LARGE / (p.s.apply / SMALL), (x) => x <= 1.2) });

  const large = rows.filter((r) => r.n === LARGE);
  const memory = `peak memory < 150 MB (N = ${LARGE})`;
  if (large.length === 0) out.push({ target: memory, why: `not measured: needs --sizes ${LARGE}` });
  else {
    const missed = large.filter((r) => !(r.mem < 150)).map((r) => r.kind);
    out.push({ target: memory, measured: large.map((r) => `${r.kind} ${r.mem.toFixed(0)} MB`).join(', '), met: missed.length === 0, missed });
  }
  return out;
}

/** The checks as a Markdown table, the bench's last. */
export function renderTargets(checks) {
  const verdict = (c) => (c.met === undefined ? '' : c.met ? 'met' : `missed (${c.missed.join(', ')})`);
  return [
    "issue #5's targets, in this run",
    '',
    '| target | measured | result |',
    '| --- | --- | --- |',
    ...checks.map((c) => `| ${c.target} | ${c.measured ?? c.why} | ${verdict(c)} |`),
  ];
}
