/**
 * A real SMTP server for the mail tests (npm smtp-server), on a free local port, that parses each
 * message it receives (npm mailparser): the tests read what a person's mailbox would hold.
 */
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Received {
  to: string;
  subject: string;
  text: string;
  /** Raw header values by lower-case name (the first of each). */
  headers: Map<string, string>;
  /** The web addresses in the text, in order. */
  links: string[];
}

export interface SmtpServer {
  /** The SMTP_URL that reaches it. */
  url: string;
  /** Every message received so far, oldest first. */
  received: Received[];
  /** The next message to `to` (among those not yet taken), waiting up to `timeoutMs`. */
  next(to: string, timeoutMs?: number): Promise<Received>;
  /** The messages to `to` not yet taken by `next`. */
  pending(to: string): Received[];
  close(): Promise<void>;
}

export async function startSmtp(): Promise<SmtpServer> {
  const received: Received[] = [];
  const taken = new Set<Received>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // deno-lint-ignore no-explicit-any
    onData(stream: any, _session: unknown, callback: (error?: Error) => void) {
      simpleParser(stream).then((mail) => {
        const text = mail.text ?? "";
        const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
        received.push({
          to: to?.value[0]?.address ?? "",
          subject: mail.subject ?? "",
          text,
          headers: new Map(
            mail.headerLines.toReversed().map((h) => [h.key, h.line.replace(/^[^:]*:\s*/, "")]),
          ),
          links: [...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]),
        });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // deno-lint-ignore no-explicit-any
  const port = (server as any).server.address().port;
  const pending = (to: string) => received.filter((m) => m.to === to && !taken.has(m));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    pending,
    async next(to, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = pending(to)[0];
        if (found) {
          taken.add(found);
          return found;
        }
        if (Date.now() > until) throw new Error(`No email to ${to} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The path and query of a link in an email, to request from the app under test. */
export function pathOf(link: string): string {
  const url = new URL(link);
  return url.pathname + url.search;
}
