/**
 * The kinds of check the verifier makes, in a module of their own so that the CLI can validate
 * `--only` without loading the verifier (which loads ESLint and TypeScript).
 */
export const CLAIM_KINDS = ['format', 'structure', 'starter', 'solution', 'step', 'wrong', 'alternative'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];
