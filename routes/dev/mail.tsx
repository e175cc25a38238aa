import type { KeptMail } from "@/lib/mail/outbox.ts";
import { page } from "@/lib/http/page.ts";
import { define } from "@/lib/web/define.ts";
import { HttpError } from "@/lib/web/http_error.ts";
import { Head } from "@/lib/web/render.tsx";

/**
 * The development outbox: the emails this process would have sent, had SMTP_URL been set. Only
 * outside production and without SMTP_URL; elsewhere there is nothing at this address.
 */
export const handler = define.handlers({
  GET: page({ auth: false }, (ctx) => {
    const outbox = ctx.state.services.mailer.outbox;
    if (!outbox) throw new HttpError(404, "There is nothing at this address");
    return { data: { mails: [...outbox.list()] } };
  }),
});

export default define.page<typeof handler>(function DevMail({ data: { mails } }) {
  return (
    <>
      <Head>
        <title>Outbox · cal-sync</title>
      </Head>
      <h1>Outbox</h1>
      <p class="muted">
        SMTP_URL is not set, so no email leaves this development server: here is what would have
        been sent, newest first (the last 50, until the server restarts).
      </p>
      {mails.length === 0 && <p>No email yet.</p>}
      {mails.map((mail) => <Mail key={mail.id} mail={mail} />)}
    </>
  );
});

function Mail({ mail }: { mail: KeptMail }) {
  return (
    <article class="card section" aria-labelledby={`mail-${mail.id}`}>
      <h2 id={`mail-${mail.id}`}>{mail.subject}</h2>
      <p class="muted">
        To {mail.to}, from {mail.from}, at{" "}
        <time dateTime={mail.at.toISOString()}>
          {mail.at.toISOString()}
        </time>
      </p>
      <pre class="mail-text">{linked(mail.text)}</pre>
    </article>
  );
}

/** The text with its web addresses as links. */
function linked(text: string) {
  return text.split(/(https?:\/\/\S+)/g).map((part, i) =>
    i % 2 ? <a key={i} href={part}>{part}</a> : part
  );
}
