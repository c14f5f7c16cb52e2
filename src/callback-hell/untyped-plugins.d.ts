// eslint-plugin-promise 7.3 ships no type declarations.
// TODO: delete when eslint-plugin-promise publishes its own types.
declare module 'eslint-plugin-promise' {
  const plugin: import('eslint').ESLint.Plugin;
  export = plugin;
}

// The three eslint-plugin-n rules the check uses, loaded on their own (see check-kata.ts).
declare module 'eslint-plugin-n/lib/rules/no-sync' {
  const rule: import('eslint').Rule.RuleModule;
  export default rule;
}
declare module 'eslint-plugin-n/lib/rules/callback-return' {
  const rule: import('eslint').Rule.RuleModule;
  export default rule;
}
declare module 'eslint-plugin-n/lib/rules/handle-callback-err' {
  const rule: import('eslint').Rule.RuleModule;
  export default rule;
}
