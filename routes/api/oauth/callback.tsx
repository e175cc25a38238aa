import { z } from "zod";
import { ErrorMessage } from "@/components/ErrorMessage.tsx";
import { api } from "@/lib/http/api.ts";
import { isSecure, sessionCookieName } from "@/lib/http/auth.ts";
import { getCookies } from "@/lib/http/cookies.ts";
import type { Services } from "@/lib/services.ts";
import {
  type CallbackOutcome,
  completeAuthorization,
  OAuthStateError,
} from "@/lib/google/oauth_flow.ts";
import { define } from "@/lib/web/define.ts";
import type { PageResponse } from "@/lib/web/types.ts";
import { Head } from "@/lib/web/render.tsx";

const CallbackQuery = z.object({
  state: z.string().max(4096).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(200).optional(),
});

interface Problem {
  title: string;
  message: string;
  action?: { href: string; label: string };
  /** For a reconnect with the wrong account: the account still to reconnect. */
  retry?: { accountId: string; email: string };
}

/** What became of the session this browser started the connection with. */
function whyNotSignedIn(req: Request, url: URL, services: Services): string {
  const cookie = getCookies(req.headers)[sessionCookieName(isSecure(url, services))];
  return cookie
    ? "Google sent you back, but your cal-sync sign-in in this browser has expired, so nothing " +
      "is connected yet."
    : `Google sent you back, but this browser is not signed in to cal-sync at ${url.host} — ` +
      "you may have signed out in another tab, or the browser blocks this site's cookies — so " +
      "nothing is connected yet.";
}

export const handler = define.handlers({
  GET: api({
    summary: "Google's redirect back after consent",
    description: "Checks the state, stores the account and redirects to the dashboard with a " +
      "notice (`connect=connected|cancelled|failed`, `account=source|destination` for a seed " +
      "role, `account` for a reconnect or `new`, and the `account_id`). A state that is tampered, expired, replayed or another " +
      "user's answers 400 with an explanation, and stores nothing.",
    tags: ["accounts"],
    auth: false,
    query: CallbackQuery,
    responses: {
      303: { description: "Back to the dashboard with a notice" },
      400: { description: "The state is not valid for this user (HTML page)" },
      401: {
        description: "Not signed in: an HTML page whose link signs in and comes back to finish",
      },
      200: {
        description: "A reconnect came back with another Google account: that one was added " +
          "(or renewed) as its own, the reconnected one is untouched (HTML page naming both)",
      },
    },
  }, async (ctx, { query }) => {
    const user = ctx.state.user;
    if (!user) return signInToFinish(ctx.req, ctx.url, ctx.state.services);
    try {
      const outcome = await completeAuthorization(ctx.state.services, user.id, query);
      if (outcome.kind === "wrong_account") return wrongAccount(outcome);
      const notice = new URLSearchParams({ connect: outcome.kind });
      // Which connection it was: a seed role's, a reconnect's, or a new account's.
      notice.set("account", outcome.role ?? (outcome.accountId ? "account" : "new"));
      if (outcome.kind === "connected") notice.set("account_id", outcome.accountId);
      else if (outcome.accountId) notice.set("account_id", outcome.accountId);
      if (outcome.kind === "failed") notice.set("reason", outcome.reason);
      if (outcome.popup) notice.set("popup", "1");
      return ctx.redirect(`${ctx.state.services.config.frontendUrl}/?${notice}`, 303);
    } catch (error) {
      if (!(error instanceof OAuthStateError)) throw error;
      return problem(400, {
        title: "This connection link is not valid",
        message: `${error.message}. Nothing was connected; start again from the dashboard.`,
      });
    }
  }),
});

/** The problem page, never kept by a cache: it speaks of this browser's session. */
function problem(status: number, data: Problem): PageResponse<Problem> {
  return { data, status, headers: { "cache-control": "no-store" } };
}

/** Google's answer stays good for a few minutes: signing in comes back here to finish. */
function signInToFinish(req: Request, url: URL, services: Services) {
  const next = encodeURIComponent(url.pathname + url.search);
  return problem(401, {
    title: "Sign in to finish connecting",
    message: `${whyNotSignedIn(req, url, services)} Google's answer is kept: sign in and the ` +
      "connection finishes without another trip to Google.",
    action: { href: `/login?next=${next}`, label: "Sign in and finish connecting" },
  });
}

function wrongAccount(
  { signedInAs, expected, accountId, added }: Extract<CallbackOutcome, { kind: "wrong_account" }>,
) {
  return problem(200, {
    title: "That is a different Google account",
    message: `You signed in as ${signedInAs}, not ${expected}; ${expected} still needs ` +
      `reconnecting. ${signedInAs} was ${added ? "added as an account of its own" : "renewed"}` +
      `, and ${expected} and its syncs were left as they were.`,
    retry: { accountId: accountId!, email: expected },
  });
}

export default define.page<typeof handler>(function OAuthCallbackProblem({ data }) {
  return (
    <>
      <Head>
        <title>{data.title} · cal-sync</title>
      </Head>
      {data.retry
        ? (
          <section class="card error-page" aria-labelledby="error-title">
            <h1 id="error-title">{data.title}</h1>
            <p role="alert">{data.message}</p>
            <p class="form__actions">
              <a class="button" href={`/accounts/${data.retry.accountId}/reconnect`}>
                Reconnect {data.retry.email}
              </a>
              <a class="button button--quiet" href="/">Back to the dashboard</a>
            </p>
          </section>
        )
        : data.action
        ? (
          <section class="card error-page" aria-labelledby="error-title">
            <h1 id="error-title">{data.title}</h1>
            <p>{data.message}</p>
            <p>
              <a class="button" href={data.action.href}>{data.action.label}</a>
            </p>
          </section>
        )
        : <ErrorMessage title={data.title} message={data.message} />}
    </>
  );
});
