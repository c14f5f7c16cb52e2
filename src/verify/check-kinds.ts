/**
 * The kinds of check the verifier makes, in a module of their own so that the CLI can validate
 * `--only` without loading the verifier (which loads ESLint and TypeScript).
 */
export const CHECK_KINDS = ['format', 'structure', 'starter', 'solution', 'step', 'wrong', 'alternative'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];
