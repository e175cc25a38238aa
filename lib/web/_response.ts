/** The same response, copied when its headers are immutable (as `Response.redirect` makes them). */
export function mutable(response: Response): Response {
  try {
    response.headers.set("X-Content-Type-Options", "nosniff");
    return response;
  } catch {
    return new Response(response.body, response);
  }
}
