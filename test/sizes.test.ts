/**
 * House rule (STYLE.md, issue 7): every source file ≤ 300 lines and every function ≤ 60 lines,
 * counted from the first to the last line of its text (a factory's returned methods included).
 * Tests are exempt; everything else tracked by git is measured.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

const sources = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' }).split('\n')
  .filter((f) => f !== '' && !f.endsWith('.test.ts') && !f.startsWith('test/') && !f.endsWith('.d.ts'));

function longFunctions(file: string, text: string): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isConstructorDeclaration(n)) {
      const first = src.getLineAndCharacterOfPosition(n.getStart()).line;
      const lines = src.getLineAndCharacterOfPosition(n.getEnd()).line - first + 1;
      const name = 'name' in n && n.name !== undefined ? n.name.getText(src) : '(anonymous)';
      if (lines > MAX_FUNCTION_LINES) out.push(`${file}:${first + 1} ${name} has ${lines} lines`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

describe('sizes', () => {
  it(`keeps every source file within ${MAX_FILE_LINES} lines and every function within ${MAX_FUNCTION_LINES}`, () => {
    expect(sources.length).toBeGreaterThan(100);
    const problems: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > MAX_FILE_LINES) problems.push(`${file} has ${lines} lines`);
      problems.push(...longFunctions(file, text));
    }
    expect(problems).toEqual([]);
  });
});
