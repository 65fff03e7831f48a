// The `{{namespace}}:{{name}}` component, built with componentize-js.

// The exported interface `api` of wit/world.wit: one function per WIT function, named in
// camelCase.
export const api = {
  greet(name) {
    return `Hello, ${name}!`;
  },
};
