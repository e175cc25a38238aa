import { z } from "zod";
import { GoogleLinkCard } from "@/components/GoogleLinkCard.tsx";
import { hasGoogleSignIn } from "@/lib/db/users.ts";
import { page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const AccountQuery = z.object({
  google: z.enum(["linked", "cancelled"]).optional().catch(undefined),
});

export const handler = define.handlers({
  GET: page({ query: AccountQuery }, async (ctx, { user, query }) => ({
    data: {
      email: user.email,
      googleLinked: await hasGoogleSignIn(ctx.state.services.db, user.id),
      notice: query.google,
    },
  })),
});

export default define.page<typeof handler>(function Account({ data }) {
  return (
    <>
      <Head>
        <title>Your account · cal-sync</title>
      </Head>
      <section class="card" aria-labelledby="account-title">
        <h1 id="account-title">Your account</h1>
        <p>
          Signed in as <strong>{data.email}</strong>.
        </p>
      </section>
      <GoogleLinkCard linked={data.googleLinked} notice={data.notice} />
    </>
  );
});
