/**
 * Outgoing email, framework-free. With SMTP_URL set, mail goes through nodemailer over SMTP.
 * Without it, development and tests keep an outbox (logged, and shown at `/dev/mail`) so a
 * newcomer sees what would be sent; production sends nothing and says so once at start.
 */
import type { Config } from "@/lib/config.ts";
import { errorFields, log } from "@/lib/log.ts";
import { Outbox } from "./outbox.ts";

export { Outbox } from "./outbox.ts";

/** One email to one person. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Extra headers, such as `List-Unsubscribe`. */
  headers?: Record<string, string>;
}

/** How mail leaves: over SMTP, into the development outbox, or not at all. */
export type MailMode = "smtp" | "outbox" | "off";

export interface Mailer {
  readonly mode: MailMode;
  /** The development outbox; undefined unless `mode` is "outbox". */
  readonly outbox: Outbox | undefined;
  /** Hands a message over; false when it was not sent (mail is off, or the server refused it). */
  send(message: MailMessage): Promise<boolean>;
  close(): void;
}

/** What production says once when SMTP_URL is not set. */
export const MAIL_OFF_MESSAGE =
  "Email is off: SMTP_URL is not set, so alerts and password-reset emails are not sent";

/**
 * The mailer of a process, by the config: SMTP when SMTP_URL is set, else an outbox outside
 * production, else off.
 * @example const mailer = createMailer(config); await mailer.send({ to, subject, text });
 */
export function createMailer(config: Pick<Config, "smtpUrl" | "mailFrom" | "appEnv">): Mailer {
  if (config.smtpUrl) return new SmtpMailer(config.smtpUrl, config.mailFrom);
  if (config.appEnv === "production") return offMailer;
  return new OutboxMailer(config.mailFrom);
}

const offMailer: Mailer = {
  mode: "off",
  outbox: undefined,
  send: () => Promise.resolve(false),
  close: () => {},
};

class OutboxMailer implements Mailer {
  readonly mode = "outbox";
  readonly outbox = new Outbox();
  constructor(private readonly from: string) {}

  send(message: MailMessage): Promise<boolean> {
    const kept = this.outbox.add({ ...message, from: this.from });
    log.info(`Email (not sent: SMTP_URL is not set; see /dev/mail) to ${message.to}`, {
      subject: message.subject,
      mail_id: kept.id,
      text: message.text,
    });
    return Promise.resolve(true);
  }

  close(): void {}
}

/**
 * An alert is sent as its run ends: a mail server that does not answer must not hold the run
 * (and its lease) for nodemailer's default two minutes. The URL's query can still override these.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

// deno-lint-ignore no-explicit-any
type Transport = { sendMail(message: any): Promise<unknown>; close(): void };

class SmtpMailer implements Mailer {
  readonly mode = "smtp";
  readonly outbox = undefined;
  #transport: Promise<Transport> | undefined;

  constructor(private readonly url: string, private readonly from: string) {}

  async send(message: MailMessage): Promise<boolean> {
    try {
      const transport = await this.#connect();
      await transport.sendMail({ from: this.from, ...message });
      return true;
    } catch (error) {
      // The server's answer may quote the URL; the URL may hold a password: log the kind only.
      log.error("Email could not be sent", {
        to: message.to,
        subject: message.subject,
        error: errorFields(error).error.replace(/\/\/[^@\s]*@/g, "//***@"),
      });
      return false;
    }
  }

  close(): void {
    this.#transport?.then((t) => t.close(), () => {});
    this.#transport = undefined;
  }

  /** nodemailer is loaded on the first email only: most processes never send one. */
  #connect(): Promise<Transport> {
    this.#transport ??= import("nodemailer").then((nodemailer) =>
      nodemailer.default.createTransport({
        url: this.url,
        ...SMTP_TIMEOUTS,
      }) as unknown as Transport
    );
    return this.#transport;
  }
}
