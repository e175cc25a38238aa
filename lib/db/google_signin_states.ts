import type { Queryable } from "./mod.ts";

/** Signing in with Google, or linking Google to the signed-in user's account. */
export type SignInPurpose = "sign_in" | "link";
/** Who started it: our own pages, or a client of the seed-compatible API (`/api/v0`). */
export type SignInClient = "web" | "v0";

/** A Google sign-in in flight: what the callback needs and must not take from the URL. */
export interface GoogleSignInStateRow {
  id: string;
  purpose: SignInPurpose;
  /** The signed-in user a link belongs to; null for a sign-in. */
  user_id: string | null;
  client: SignInClient;
  /** Where a signed-in person goes afterwards (a safe same-site path). */
  next: string;
  code_verifier: string;
  nonce: string;
  expires_at: Date;
}

/** Records a sign-in in flight; expired rows are swept on the way. */
export async function createGoogleSignInState(
  db: Queryable,
  state: GoogleSignInStateRow,
): Promise<void> {
  await db.query("DELETE FROM google_signin_states WHERE expires_at < now()");
  await db.query(
    `INSERT INTO google_signin_states
       (id, purpose, user_id, client, next, code_verifier, nonce, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      state.id,
      state.purpose,
      state.user_id,
      state.client,
      state.next,
      state.code_verifier,
      state.nonce,
      state.expires_at,
    ],
  );
}

/** Deletes and returns an unexpired state; undefined when unknown, used or expired. */
export async function consumeGoogleSignInState(
  db: Queryable,
  id: string,
): Promise<GoogleSignInStateRow | undefined> {
  const rows = await db.query<GoogleSignInStateRow>(
    `DELETE FROM google_signin_states WHERE id = $1 AND expires_at > now()
     RETURNING id, purpose, user_id, client, next, code_verifier, nonce, expires_at`,
    [id],
  );
  return rows[0];
}
