import { z } from "zod";
import {
  completeGoogleSignIn,
  type GoogleSignInOutcome,
  GoogleSignInStateError,
} from "@/lib/auth/google_signin.ts";
import { api } from "@/lib/http/api.ts";
import { isSecure } from "@/lib/http/auth.ts";
import { clearedSignInStateCookie, signInStateOf } from "@/lib/http/google_signin.ts";
import { signedInRedirect } from "@/lib/http/session.ts";
import type { Services } from "@/lib/services.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";
import type { PageResponse } from "@/lib/web/types.ts";

const CallbackQuery = z.object({
  state: z.string().max(4096).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(200).optional(),
});

interface Problem {
  title: string;
  message: string;
  action: { href: string; label: string };
}

export const handler = define.handlers({
  GET: api({
    summary: "Google's redirect back after signing in with Google",
    description: "Checks the state against this browser's sign-in cookie, verifies the " +
      "id_token and signs the person in (303 to `next` with the session cookie), creating the " +
      "account on a first sign-in. An email that belongs to a password account is not merged " +
      "(409 page: sign in with the password and link Google from the account page). A state " +
      "that is unknown, expired, replayed or another browser's answers 400 and signs no one in.",
    tags: ["auth"],
    auth: false,
    query: CallbackQuery,
    responses: {
      303: { description: "Signed in (or linked): on to `next` with the session cookie" },
      400: { description: "The state is not valid for this browser, or Google failed (HTML)" },
      409: { description: "The email belongs to a password account, not merged (HTML)" },
    },
  }, async (ctx, { query }) => {
    const { services } = ctx.state;
    const secure = isSecure(ctx.url, services);
    let outcome: GoogleSignInOutcome;
    try {
      outcome = await completeGoogleSignIn(services, query, {
        stateCookie: signInStateOf(ctx.req),
        userId: ctx.state.user?.id,
      });
    } catch (error) {
      if (!(error instanceof GoogleSignInStateError)) throw error;
      return problem(400, {
        title: "This sign-in link is not valid",
        message: `${error.message}. No one was signed in; start again.`,
        action: { href: "/login", label: "Back to sign in" },
      });
    }
    const response = answer(outcome, ctx.url, services);
    if (response instanceof Response) {
      response.headers.append("set-cookie", clearedSignInStateCookie(secure));
    }
    return response;
  }),
});

function answer(outcome: GoogleSignInOutcome, url: URL, services: Services) {
  switch (outcome.kind) {
    case "signed_in": {
      const response = signedInRedirect(outcome.token, outcome.next, url, services);
      // The seed's clients keep the token themselves: they are sent on with it, as they expect.
      if (outcome.client === "v0") {
        const to = new URL("/dashboard", services.config.frontendUrl);
        to.searchParams.set("token", outcome.token);
        response.headers.set("location", to.toString());
      }
      return response;
    }
    case "linked":
      return redirect(`${outcome.next}?google=linked`);
    case "cancelled":
      return redirect(outcome.purpose === "link" ? "/account?google=cancelled" : "/login");
    case "email_taken":
      return problem(409, {
        title: "Sign in with your password first",
        message: `An account with ${outcome.email} already exists and signs in with a password. ` +
          "For your safety it was not joined to this Google account. Sign in with your " +
          "password once, then choose “Link Google” on your account page to use Google from " +
          "then on.",
        action: { href: "/login?next=%2Faccount", label: "Sign in with your password" },
      });
    case "google_in_use":
      return problem(409, {
        title: "That Google account is in use",
        message: `The Google account ${outcome.email} already signs in to another cal-sync ` +
          "account. Nothing was changed.",
        action: { href: "/account", label: "Back to your account" },
      });
    case "failed":
      return problem(400, {
        title: "Google sign-in failed",
        message: outcome.reason === "email_unverified"
          ? "Google did not confirm this account's email address, so it cannot sign in here."
          : "Google did not complete the sign-in. Nothing changed; try again.",
        action: outcome.purpose === "link"
          ? { href: "/account", label: "Back to your account" }
          : { href: "/login", label: "Back to sign in" },
      });
  }
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location } });
}

/** The problem page, never kept by a cache: it speaks of this browser's sign-in. */
function problem(status: number, data: Problem): PageResponse<Problem> {
  return { data, status, headers: { "cache-control": "no-store" } };
}

export default define.page<typeof handler>(function GoogleSignInProblem({ data }) {
  return (
    <>
      <Head>
        <title>{data.title} · cal-sync</title>
      </Head>
      <section class="card error-page" aria-labelledby="error-title">
        <h1 id="error-title">{data.title}</h1>
        <p role="alert">{data.message}</p>
        <p>
          <a class="button" href={data.action.href}>{data.action.label}</a>
        </p>
      </section>
    </>
  );
});
