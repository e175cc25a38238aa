/** A small example value for a JSON Schema, for prefilled request bodies in the API docs. */
// deno-lint-ignore no-explicit-any
export function exampleOf(schema: any): unknown {
  if (!schema || typeof schema !== "object") return null;
  if ("default" in schema) return schema.default;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.enum?.length) return schema.enum[0];
  if ("const" in schema) return schema.const;
  if (schema.anyOf?.length) return exampleOf(schema.anyOf[0]);
  if (schema.allOf?.length) return exampleOf(schema.allOf[0]);
  switch (schema.type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [key, exampleOf(value)]),
      );
    case "array":
      return [exampleOf(schema.items)];
    case "integer":
    case "number":
      return schema.minimum ?? 0;
    case "boolean":
      return false;
    case "string":
      if (schema.format === "email") return "ada@example.com";
      if (schema.format === "date-time") return new Date(0).toISOString();
      if (schema.format === "uuid") return "00000000-0000-4000-8000-000000000000";
      return schema.minLength ? "x".repeat(schema.minLength) : "string";
    default:
      return null;
  }
}
