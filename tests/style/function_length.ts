/**
 * A lint rule (Deno's plugin API, so the real parser) that reports every function, method and
 * arrow function longer than `MAX_FUNCTION_LINES`, counted from its first line to its last.
 * `function_length_test.ts` runs it over lib/sync and lib/web, whose functions stay short.
 */

/** The longest a function may be: issue 11's ~50 lines, signature and closing brace included. */
export const MAX_FUNCTION_LINES = 50;

/** The lint plugin; `max` is the longest allowed (tests of the rule itself pass a small one). */
export function functionLengthPlugin(max = MAX_FUNCTION_LINES): Deno.lint.Plugin {
  return {
    name: "calsync",
    rules: {
      "function-length": {
        create(context) {
          const check = (node: Deno.lint.Node & { range: Deno.lint.Range }) => {
            const [start, end] = node.range;
            const lines = context.sourceCode.text.slice(start, end).split("\n").length;
            if (lines > max) {
              context.report({ node, message: `function of ${lines} lines (at most ${max})` });
            }
          };
          return {
            FunctionDeclaration: check,
            FunctionExpression: check,
            ArrowFunctionExpression: check,
          };
        },
      },
    },
  };
}
