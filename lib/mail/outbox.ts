/** A message the development outbox kept instead of sending. */
export interface KeptMail {
  id: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
  at: Date;
}

/** How many messages the outbox keeps; older ones go first. */
export const OUTBOX_SIZE = 50;

/** The development outbox: the last few emails that would have been sent, newest first. */
export class Outbox {
  #next = 1;
  #kept: KeptMail[] = [];

  add(message: Omit<KeptMail, "id" | "at">): KeptMail {
    const kept = { ...message, id: this.#next++, at: new Date() };
    this.#kept.unshift(kept);
    this.#kept.length = Math.min(this.#kept.length, OUTBOX_SIZE);
    return kept;
  }

  /** Newest first. */
  list(): readonly KeptMail[] {
    return this.#kept;
  }
}
