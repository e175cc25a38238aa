/**
 * The one place `/api/v0` reaches the role-based (source/destination) Google functions: starting
 * a connection, its status and a role's calendars — the seed-compatible layer over accounts
 * (lib/sync/seed_compat.ts), where each role names the account last connected through it.
 */
import type { AccountRole } from "@/lib/db/google_accounts.ts";
import { NotConnectedError } from "@/lib/google/errors.ts";
import type { Services } from "@/lib/services.ts";
import {
  listRoleCalendars,
  roleConnections,
  startRoleAuthorization,
} from "@/lib/sync/seed_compat.ts";
import { HttpError } from "@/lib/web/http_error.ts";

export type Role = AccountRole;

/** Google's consent URL for connecting the account of `role`. */
export async function startRoleConnection(
  services: Services,
  userId: string,
  role: Role,
): Promise<string> {
  return (await startRoleAuthorization(services, userId, role)).authorizationUrl;
}

/** The seed's flat connection status. */
export async function roleStatus(services: Services, userId: string) {
  const { source, destination } = await roleConnections(services, userId);
  return {
    source_connected: source.connected,
    source_email: source.email,
    destination_connected: destination.connected,
    destination_email: destination.email,
  };
}

/** The calendars of the account of `role`; 404 when none is connected, as the seed answers. */
export async function roleCalendars(services: Services, userId: string, role: Role) {
  try {
    return (await listRoleCalendars(services, userId, role)).calendars;
  } catch (error) {
    if (!(error instanceof NotConnectedError)) throw error;
    throw new HttpError(
      404,
      `No OAuth connection found for ${role} account. Please connect your account first.`,
      { cause: error },
    );
  }
}
