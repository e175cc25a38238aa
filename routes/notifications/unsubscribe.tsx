import { z } from "zod";
import { KIND_NAMES } from "@/lib/alerts/messages.ts";
import { readUnsubscribeToken } from "@/lib/alerts/unsubscribe.ts";
import { updateNotificationSettings } from "@/lib/db/notification_settings.ts";
import { page } from "@/lib/http/page.ts";
import type { Services } from "@/lib/services.ts";
import { define } from "@/lib/web/define.ts";
import { Head } from "@/lib/web/render.tsx";

const TokenQuery = z.object({ token: z.string().max(4096).optional().catch(undefined) });
/** The page's button, or a mail client's one-click POST (RFC 8058). */
const UnsubscribeForm = z.object({
  "List-Unsubscribe": z.literal("One-Click").optional(),
}).loose();

async function kindOf(services: Services, token: string | undefined) {
  return token ? await readUnsubscribeToken(services.config.jwtSecret, token) : undefined;
}

/**
 * An alert's unsubscribe link: works without signing in, by its signed single-purpose token.
 * Opening it asks; the button (or a mail client's one-click POST) turns that kind of alert off.
 */
export const handler = define.handlers({
  GET: page({ auth: false, query: TokenQuery }, async (ctx, { query }) => {
    const found = await kindOf(ctx.state.services, query.token);
    return {
      data: { valid: Boolean(found), kind: found && KIND_NAMES[found.kind], done: false },
      status: found ? 200 : 400,
    };
  }),
  POST: page(
    { auth: false, query: TokenQuery, form: UnsubscribeForm },
    async (ctx, { query }) => {
      const found = await kindOf(ctx.state.services, query.token);
      if (found) {
        await updateNotificationSettings(ctx.state.services.db, found.userId, {
          [found.kind]: false,
        });
      }
      return {
        data: { valid: Boolean(found), kind: found && KIND_NAMES[found.kind], done: true },
        status: found ? 200 : 400,
      };
    },
  ),
});

export default define.page<typeof handler>(function Unsubscribe({ data, url }) {
  return (
    <section class="card auth-card">
      <Head>
        <title>Email alerts · cal-sync</title>
      </Head>
      <h1>Email alerts</h1>
      {!data.valid && (
        <p role="alert">
          This link is not valid (or is too old). Sign in and change your alerts in{" "}
          <a href="/account">Account</a>.
        </p>
      )}
      {data.valid && data.done && (
        <p role="status">
          Done: you will get no more emails when {data.kind}. Turn it back on any time in{" "}
          <a href="/account">Account</a>.
        </p>
      )}
      {data.valid && !data.done && (
        <form method="post" action={url.pathname + url.search} class="form">
          <p>Stop the emails that say {data.kind}?</p>
          <button type="submit" class="button">Stop these emails</button>
        </form>
      )}
    </section>
  );
});
