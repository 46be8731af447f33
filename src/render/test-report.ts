import type { TestResult } from '../labtest/run.js';
import type { Style } from './style.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line per test: verdict, name, and what was sent and what came back. */
export function resultLine(r: TestResult, s: Style): string {
  const verdict = r.passed ? s.green('PASS') : s.red(s.bold('FAIL'));
  return `${verdict}  ${r.test.name}: ${r.detail}\n`;
}

export function summaryLine(results: readonly TestResult[], ms: number, s: Style): string {
  const failed = results.filter((r) => !r.passed).length;
  const text = `${results.length - failed} passed, ${failed} failed (${secs(ms)})`;
  return `\n${failed === 0 ? s.green(s.bold(text)) : s.red(s.bold(text))}\n`;
}

export function testDoc(lab: string, results: readonly TestResult[]) {
  return {
    format_version: 1,
    type: 'test',
    lab,
    passed: results.filter((r) => r.passed).length,
    failed: results.filter((r) => !r.passed).length,
    tests: results.map((r) => ({
      name: r.test.name,
      check: r.test.kind,
      status: r.passed ? 'pass' : 'fail',
      detail: r.detail,
      duration_ms: r.ms,
      line: r.test.origin.line,
    })),
  };
}

const xml = (t: string) => t.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');

/** JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test reporters) read. */
export function junit(lab: string, file: string, results: readonly TestResult[], ms: number): string {
  const failed = results.filter((r) => !r.passed).length;
  const cases = results.map((r) => {
    const head = `    <testcase classname="topo.${xml(lab)}" name="${xml(r.test.name)}" file="${xml(file)}" line="${r.test.origin.line}" time="${(r.ms / 1000).toFixed(3)}"`;
    return r.passed ? `${head}/>` : `${head}>\n      <failure message="${xml(r.detail)}" type="${r.test.kind}">${xml(r.detail)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failed}" time="${(ms / 1000).toFixed(3)}">`,
    `  <testsuite name="topo ${xml(lab)}" tests="${results.length}" failures="${failed}" errors="0" time="${(ms / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
