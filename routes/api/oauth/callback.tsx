import { z } from "zod";
import { ErrorMessage } from "@/components/ErrorMessage.tsx";
import { api } from "@/lib/http/api.ts";
import { completeAuthorization, OAuthStateError } from "@/lib/google/oauth_flow.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const CallbackQuery = z.object({
  state: z.string().max(4096).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(200).optional(),
});

interface Problem {
  title: string;
  message: string;
}

export const handler = define.handlers({
  GET: api({
    summary: "Google's redirect back after consent",
    description: "Checks the state, stores the connection and redirects to the dashboard with a " +
      "notice (`connect=connected|cancelled|failed&account=…`). A state that is tampered, " +
      "expired, replayed or another user's answers 400 with an explanation, and stores nothing.",
    tags: ["oauth"],
    auth: false,
    query: CallbackQuery,
    responses: {
      303: { description: "Back to the dashboard with a notice" },
      400: { description: "The state is not valid for this user (HTML page)" },
      401: { description: "Not signed in (HTML page)" },
    },
  }, async (ctx, { query }) => {
    const user = ctx.state.user;
    if (!user) {
      return ctx.render(
        {
          title: "Sign in to finish connecting",
          message: "Your session ended before Google sent you back. Sign in, then connect the " +
            "account again from the dashboard.",
        } satisfies Problem,
        { status: 401 },
      );
    }
    try {
      const outcome = await completeAuthorization(ctx.state.services, user.id, query);
      const notice = new URLSearchParams({ connect: outcome.kind, account: outcome.accountType });
      if (outcome.kind === "failed") notice.set("reason", outcome.reason);
      return ctx.redirect(`${ctx.state.services.config.frontendUrl}/?${notice}`, 303);
    } catch (error) {
      if (!(error instanceof OAuthStateError)) throw error;
      return ctx.render(
        {
          title: "This connection link is not valid",
          message: `${error.message}. Nothing was connected; start again from the dashboard.`,
        } satisfies Problem,
        { status: 400, headers: { "cache-control": "no-store" } },
      );
    }
  }),
});

export default define.page<Problem>(function OAuthCallbackProblem({ data }) {
  return (
    <>
      <Head>
        <title>{data.title} · cal-sync</title>
      </Head>
      <ErrorMessage title={data.title} message={data.message} />
    </>
  );
});
