/**
 * Where a crashed run failed, as data: the file, line and column of the learner's code, and the
 * error's first line, read from the crash text the runner gives (a compile error, or a runtime
 * error with its stack). The CLI presents it; the verdict carries it.
 */
export interface CrashLocation {
  /** As written in the crash: relative to the kata folder when inside it. */
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export function locateCrash(crash: string): CrashLocation {
  const text = crash.replace(/^\s*Exception during run:\s*/, '').trim();
  // ts-node's compile errors: "src/a.ts(37,37): error TS1109: Expression expected."
  const tsError = /([^\s()]+\.[cm]?[tj]sx?)\((\d+),(\d+)\): error (TS\d+): ([^\n]*)/.exec(text);
  if (tsError) return { file: tsError[1]!, line: Number(tsError[2]), column: Number(tsError[3]), message: `${tsError[5]!.trim()} (${tsError[4]})` };
  // Runtime errors as explainCrash gives them: "TypeError: …\n  at src/a.ts:23:42"
  const firstLine = text.split('\n')[0]!.trim();
  const at = /(?:^|\s)at\s+(?:.*\()?([^\s()]+\.[cm]?[tj]sx?):(\d+):(\d+)/m.exec(text);
  if (at) return { file: at[1]!, line: Number(at[2]), column: Number(at[3]), message: firstLine };
  return { message: firstLine || '(no output)' };
}

