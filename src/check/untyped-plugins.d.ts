// eslint-plugin-promise 7.3 ships no type declarations.
// TODO: delete when eslint-plugin-promise publishes its own types.
declare module 'eslint-plugin-promise' {
  const plugin: import('eslint').ESLint.Plugin;
  export = plugin;
}
