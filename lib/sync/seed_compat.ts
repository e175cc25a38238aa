/**
 * The seed's API over accounts: its two roles (`source`, `destination`) name the account most
 * recently connected through that role (`/api/oauth/start/{role}`, or the slot it was migrated
 * from). Plain functions of (services, userId, role) for the seed-compatible routes.
 */
import { type AccountRole, clearRole, getAccountByRole } from "@/lib/db/google_accounts.ts";
import { type CalendarList, listCalendarsForAccount } from "@/lib/google/calendar_list.ts";
import { NotConnectedError } from "@/lib/google/errors.ts";
import { startAuthorization } from "@/lib/google/oauth_flow.ts";
import type { Services } from "@/lib/services.ts";
import type { SyncConfigView } from "@/lib/db/sync_configs.ts";
import {
  type AccountDisconnected,
  createSyncConfigForUser,
  disconnectAccountForUser,
  InvalidSyncConfigError,
  type NewSyncConfigInput,
} from "./configs.ts";

export const ROLES = ["source", "destination"] as const satisfies readonly AccountRole[];

/** One role's account as the seed's `GET /api/oauth/status` answers it. */
export interface RoleConnection {
  connected: boolean;
  email: string | null;
  status: "ok" | "needs_reconnect" | null;
  connected_at: string | null;
}

/** Which account each role names now. */
export async function roleConnections(
  services: Services,
  userId: string,
): Promise<Record<AccountRole, RoleConnection>> {
  const entries = await Promise.all(ROLES.map(async (role) => {
    const a = await getAccountByRole(services.db, userId, role);
    const connection: RoleConnection = a
      ? {
        connected: true,
        email: a.google_email,
        status: a.status,
        connected_at: new Date(a.connected_at).toISOString(),
      }
      : { connected: false, email: null, status: null, connected_at: null };
    return [role, connection] as const;
  }));
  return Object.fromEntries(entries) as Record<AccountRole, RoleConnection>;
}

/** Starts connecting an account through a role, preselecting the role's account at Google. */
export async function startRoleAuthorization(
  services: Services,
  userId: string,
  role: AccountRole,
): Promise<{ authorizationUrl: string }> {
  const current = await getAccountByRole(services.db, userId, role);
  return (await startAuthorization(services, userId, {
    role,
    ...(current ? { loginHint: current.google_email } : {}),
  }))!;
}

/** The role's account id; NotConnectedError when none. */
async function roleAccountId(services: Services, userId: string, role: AccountRole) {
  const account = await getAccountByRole(services.db, userId, role);
  if (!account) throw new NotConnectedError(`${role} Google account`);
  return account.id;
}

/** The calendars of the role's account (see listCalendarsForAccount). */
export async function listRoleCalendars(
  services: Services,
  userId: string,
  role: AccountRole,
): Promise<CalendarList> {
  return await listCalendarsForAccount(
    services,
    userId,
    await roleAccountId(services, userId, role),
    `${role} account`,
  );
}

/**
 * Disconnects the role's account, and leaves the role naming none (as the seed's empty slot);
 * undefined when the role names none.
 */
export async function disconnectRole(
  services: Services,
  userId: string,
  role: AccountRole,
): Promise<AccountDisconnected | undefined> {
  const account = await getAccountByRole(services.db, userId, role);
  if (!account) return undefined;
  const result = await disconnectAccountForUser(services, userId, account.id, { role });
  await clearRole(services.db, userId, role);
  return result;
}

const FIELD = { source: "source_calendar_id", destination: "dest_calendar_id" } as const;

/**
 * Creates a config from the seed's body (calendars only): the source calendar of the source
 * role's account into the destination calendar of the destination role's account.
 */
export async function createRoleSyncConfig(
  services: Services,
  userId: string,
  input: Omit<NewSyncConfigInput, "source_account_id" | "dest_account_id">,
): Promise<SyncConfigView> {
  const accounts = await Promise.all(
    ROLES.map((role) => getAccountByRole(services.db, userId, role)),
  );
  const fields: Record<string, string> = {};
  ROLES.forEach((role, i) => {
    const account = accounts[i];
    if (!account) fields[FIELD[role]] = `Connect the ${role} Google account first`;
    else if (account.status !== "ok") {
      fields[FIELD[role]] = `Reconnect the ${role} Google account first`;
    }
  });
  if (Object.keys(fields).length) throw new InvalidSyncConfigError(fields);
  return await createSyncConfigForUser(services, userId, {
    ...input,
    source_account_id: accounts[0]!.id,
    dest_account_id: accounts[1]!.id,
  });
}
