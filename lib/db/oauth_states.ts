import type { Queryable } from "./mod.ts";
import type { AccountRole } from "./google_accounts.ts";

/** An authorization in flight: the PKCE verifier of a consent the user was sent to Google for. */
export interface OAuthStateRow {
  id: string;
  user_id: string;
  /** The seed's role it was started through (`/api/oauth/start/{role}`), if any. */
  role: AccountRole | null;
  /** The account a reconnect was started for, if any. */
  account_id: string | null;
  /** Started in a popup, which the page it returns to closes. */
  in_popup: boolean;
  code_verifier: string;
  expires_at: Date;
}

/** Records an authorization in flight; expired rows are swept on the way. */
export async function createOAuthState(db: Queryable, state: OAuthStateRow): Promise<void> {
  await db.query("DELETE FROM oauth_states WHERE expires_at < now()");
  await db.query(
    `INSERT INTO oauth_states (id, user_id, role, account_id, in_popup, code_verifier, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      state.id,
      state.user_id,
      state.role,
      state.account_id,
      state.in_popup,
      state.code_verifier,
      state.expires_at,
    ],
  );
}

/** Deletes and returns an unexpired state of this user; undefined otherwise. */
export async function consumeOAuthState(
  db: Queryable,
  id: string,
  userId: string,
): Promise<OAuthStateRow | undefined> {
  const rows = await db.query<OAuthStateRow>(
    `DELETE FROM oauth_states
     WHERE id = $1 AND user_id = $2 AND expires_at > now()
     RETURNING id, user_id, role, account_id, in_popup, code_verifier, expires_at`,
    [id, userId],
  );
  return rows[0];
}
