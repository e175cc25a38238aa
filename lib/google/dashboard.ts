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

const NoticeQuery = z.object({
  connect: z.enum(["connected", "cancelled", "failed"]),
  account: z.enum(["source", "destination"]),
  reason: z.string().regex(/^[a-z_]{1,40}$/).optional(),
});

/** What the dashboard's OAuthStatus island shows for this user and this dashboard URL. */
export async function oauthStatusProps(
  services: Services,
  userId: string,
  query: URLSearchParams,
): Promise<OAuthStatusProps> {
  const status = await connectionStatus(services, userId);
  const view = (accountType: AccountType): ConnectionView => {
    const c = status[accountType];
    return { ...c, connected_at: c.connected_at && new Date(c.connected_at).toISOString() };
  };
  const notice = NoticeQuery.safeParse(Object.fromEntries(query));
  return {
    connections: { source: view("source"), destination: view("destination") },
    notice: notice.success
      ? {
        kind: notice.data.connect,
        account: notice.data.account,
        reason: notice.data.reason ?? null,
      }
      : null,
  };
}
