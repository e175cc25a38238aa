import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";
import { currentUser } from "@/lib/web/user.ts";

export const handler = define.handlers({
  GET(ctx) {
    if (!currentUser(ctx.state)) throw new HttpError(401, "Sign in to see your dashboard");
    return ctx.render();
  },
});

export default define.page(function Dashboard({ state }) {
  const user = currentUser(state);
  return (
    <>
      <Head>
        <title>Dashboard · cal-sync</title>
      </Head>
      <h1>Dashboard</h1>
      <section class="card">
        <h2>Your calendars</h2>
        <p>
          Signed in as{" "}
          <strong>{user?.email}</strong>. Connecting the source and destination Google accounts
          comes next.
        </p>
      </section>
    </>
  );
});
