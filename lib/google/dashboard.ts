import { z } from "zod";
import type { AccountType } from "@/lib/db/oauth_tokens.ts";
import type { Services } from "@/lib/services.ts";
import { connectionStatus } from "./connections.ts";

/** One connection as the OAuthStatus island receives it (JSON-serializable). */
export interface ConnectionView {
  connected: boolean;
  email: string | null;
  status: "ok" | "needs_reconnect" | null;
  connected_at: string | null;
}

/** The notice the OAuth callback leaves in the dashboard's query string. */
export interface ConnectNotice {
  kind: "connected" | "cancelled" | "failed";
  account: AccountType;
  reason: string | null;
}

export interface OAuthStatusProps {
  connections: Record<AccountType, ConnectionView>;
  notice: ConnectNotice | null;
}

/**
 * The query fields of the notice the OAuth callback leaves, for the dashboard's query schema.
 * Each is cosmetic: a value that is not one of ours counts as absent.
 */
export const connectNoticeQuery = {
  connect: z.enum(["connected", "cancelled", "failed"]).optional().catch(undefined),
  account: z.enum(["source", "destination"]).optional().catch(undefined),
  reason: z.string().regex(/^[a-z_]{1,40}$/).optional().catch(undefined),
};

type ConnectNoticeQuery = {
  [K in keyof typeof connectNoticeQuery]?: z.output<(typeof connectNoticeQuery)[K]>;
};

/** What the dashboard's OAuthStatus island shows for this user and the dashboard's query. */
export async function oauthStatusProps(
  services: Services,
  userId: string,
  query: ConnectNoticeQuery,
): Promise<OAuthStatusProps> {
  const status = await connectionStatus(services, userId);
  const view = (accountType: AccountType): ConnectionView => {
    const c = status[accountType];
    return { ...c, connected_at: c.connected_at && new Date(c.connected_at).toISOString() };
  };
  const { connect, account, reason } = query;
  return {
    connections: { source: view("source"), destination: view("destination") },
    notice: connect && account ? { kind: connect, account, reason: reason ?? null } : null,
  };
}
