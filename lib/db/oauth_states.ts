import type { Queryable } from "./mod.ts";
import type { AccountType } from "./oauth_tokens.ts";

/** An authorization in flight: the PKCE verifier of a consent the user was sent to Google for. */
export interface OAuthStateRow {
  id: string;
  user_id: string;
  account_type: AccountType;
  code_verifier: string;
  expires_at: Date;
}

/** Records an authorization in flight; expired rows are swept on the way. */
export async function createOAuthState(db: Queryable, state: OAuthStateRow): Promise<void> {
  await db.query("DELETE FROM oauth_states WHERE expires_at < now()");
  await db.query(
    `INSERT INTO oauth_states (id, user_id, account_type, code_verifier, expires_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [state.id, state.user_id, state.account_type, state.code_verifier, state.expires_at],
  );
}

/** Deletes and returns an unexpired state of this user and account type; undefined otherwise. */
export async function consumeOAuthState(
  db: Queryable,
  id: string,
  userId: string,
  accountType: AccountType,
): Promise<OAuthStateRow | undefined> {
  const rows = await db.query<OAuthStateRow>(
    `DELETE FROM oauth_states
     WHERE id = $1 AND user_id = $2 AND account_type = $3 AND expires_at > now()
     RETURNING id, user_id, account_type, code_verifier, expires_at`,
    [id, userId, accountType],
  );
  return rows[0];
}
