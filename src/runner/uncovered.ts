/**
 * Which lines of each file no test reached, from c8's istanbul JSON report: what the learner
 * reads to find legacy behaviour nobody pins yet, or dead callback plumbing left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Location {
  start: { line: number };
  end: { line: number };
}
interface FileCoverage {
  path: string;
  statementMap: Record<string, Location>;
  s: Record<string, number>;
  branchMap: Record<string, { locations: Location[]; loc: Location }>;
  b: Record<string, number[]>;
  fnMap: Record<string, { name: string; loc: Location }>;
  f: Record<string, number>;
}

export interface Uncovered {
  /** Path relative to `relativeTo`. */
  file: string;
  /** Lines with a statement or function that never ran. */
  lines: number[];
  /** Lines with a branch (an if/else side, a `||` operand...) never taken. */
  branchLines: number[];
}

export function findUncovered(detailFile: string, relativeTo: string): Uncovered[] {
  const report = JSON.parse(fs.readFileSync(detailFile, 'utf8')) as Record<string, FileCoverage>;
  return Object.values(report)
    .map((fc) => {
      const lines = new Set<number>();
      for (const [id, count] of Object.entries(fc.s)) if (count === 0) lines.add(fc.statementMap[id]!.start.line);
      for (const [id, count] of Object.entries(fc.f)) if (count === 0) lines.add(fc.fnMap[id]!.loc.start.line);
      const branchLines = new Set<number>();
      for (const [id, counts] of Object.entries(fc.b)) {
        counts.forEach((c, i) => {
          if (c === 0) branchLines.add((fc.branchMap[id]!.locations[i] ?? fc.branchMap[id]!.loc).start.line);
        });
      }
      const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
      return { file: path.relative(relativeTo, fc.path), lines: sorted(lines), branchLines: sorted(branchLines) };
    })
    .filter((u) => u.lines.length > 0 || u.branchLines.length > 0);
}

/** 3, 4, 5, 9 -> "3-5, 9" */
export function lineRanges(lines: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i]!;
    while (i + 1 < lines.length && lines[i + 1] === lines[i]! + 1) i++;
    parts.push(start === lines[i] ? `${start}` : `${start}-${lines[i]}`);
  }
  return parts.join(', ');
}
